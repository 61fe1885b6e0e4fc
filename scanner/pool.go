package scanner

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// job is one unit of work for a worker: a git object to read, or a file on disk.
type job struct {
	id   plumbing.Hash // the object to read (when file is empty)
	path string        // slash-separated path relative to the root: Blob.Path
	file string        // a file on disk to read instead of an object
	// For files: record an occurrence at path when the content's id differs from base
	// (base is HEAD's blob at path in a working tree, zero for plain directories).
	occ  bool
	base plumbing.Hash
}

// blobSet is the set of blob ids already handed to a worker (each distinct blob once).
type blobSet struct {
	mu sync.Mutex
	m  map[plumbing.Hash]struct{}
}

func newBlobSet() *blobSet { return &blobSet{m: map[plumbing.Hash]struct{}{}} }

// add reports whether id was new.
func (b *blobSet) add(id plumbing.Hash) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[id]; ok {
		return false
	}
	b.m[id] = struct{}{}
	return true
}

func (b *blobSet) has(id plumbing.Hash) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.m[id]
	return ok
}

// worker reads and matches blobs. Each has its own storer (go-git storers are not safe
// for concurrent use) and a reusable buffer, so memory is Jobs × the largest blob.
type worker struct {
	s    *session
	r    *repo
	st   *filesystem.Storage
	seen *blobSet
	buf  bytes.Buffer
	// cf, when set, reads blobs; pending are the jobs requested from it and not yet read,
	// kept a few deep so that git inflates the next blob while this one is matched.
	cf      *catFile
	pending []job
}

// catFileDepth is how many blob requests a worker keeps in flight.
const catFileDepth = 8

func (w *worker) drain() {
	if len(w.pending) > 0 && w.cf.flush() != nil {
		w.cf.close()
		w.cf = nil
		rest := w.pending
		w.pending = nil
		for _, j := range rest {
			w.do(j)
		}
		return
	}
	for len(w.pending) > 0 {
		w.next()
	}
}

// next reads and scans the oldest pending blob.
func (w *worker) next() {
	j := w.pending[0]
	w.pending = w.pending[1:]
	data, skipped, err := w.cf.response(&w.buf, w.s.maxSize)
	switch {
	case errors.Is(err, errMissing):
		w.s.objectError(w.r.path, "blob "+j.path, j.id, plumbing.ErrObjectNotFound)
	case err != nil:
		// The process is gone: go back to go-git for this and every later blob.
		w.cf.close()
		w.cf = nil
		rest := append([]job{j}, w.pending...)
		w.pending = nil
		for _, j := range rest {
			w.do(j)
		}
	case skipped:
		w.s.large.Add(1)
	default:
		w.s.scanBlob(j.id, j.path, data)
	}
}

// runJobs starts s.jobs workers, lets produce feed them through a bounded channel, and
// waits for all of them. send returns false once the context is cancelled.
func (s *session) runJobs(r *repo, seen *blobSet, produce func(send func(job) bool)) {
	ch := make(chan job, 4*s.jobs)
	var wg sync.WaitGroup
	for i := 0; i < s.jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{s: s, r: r, seen: seen}
			defer w.close()
			if r != nil {
				if cf, err := startCatFile(r.dotgit.Root()); err == nil {
					w.cf = cf
				}
			}
			for j := range ch {
				if s.ctx.Err() == nil {
					w.do(j)
				}
			}
			w.drain()
		}()
	}
	produce(func(j job) bool {
		select {
		case ch <- j:
			return true
		case <-s.ctx.Done():
			return false
		}
	})
	close(ch)
	wg.Wait()
}

func (w *worker) close() {
	if w.cf != nil {
		w.cf.close()
	}
	if w.st != nil {
		_ = w.st.Close()
	}
}

func (w *worker) do(j job) {
	if j.file != "" {
		w.doFile(j)
		return
	}
	if w.cf != nil {
		if err := w.cf.request(j.id); err == nil {
			w.pending = append(w.pending, j)
			if len(w.pending) < catFileDepth {
				return
			}
			if w.cf.flush() == nil {
				w.next()
				return
			}
		}
		w.cf.close()
		w.cf = nil
		rest := w.pending
		w.pending = nil
		for _, p := range rest {
			w.do(p)
		}
		return
	}
	if w.st == nil {
		w.st = w.r.newStorage(w.s.maxSize)
	}
	obj, err := w.st.EncodedObject(plumbing.BlobObject, j.id)
	if err != nil {
		w.s.objectError(w.r.path, "blob "+j.path, j.id, err)
		return
	}
	if w.s.tooLarge(obj.Size()) {
		w.s.large.Add(1)
		return
	}
	data, err := readEncoded(obj, &w.buf)
	if err != nil {
		w.s.objectError(w.r.path, "blob "+j.path, j.id, err)
		return
	}
	w.s.scanBlob(j.id, j.path, data)
}

func (w *worker) doFile(j job) {
	f, err := os.Open(j.file)
	if err != nil {
		w.s.addError(j.file, "%v", unwrapPathError(err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		w.s.addError(j.file, "%v", unwrapPathError(err))
		return
	}
	if w.s.tooLarge(fi.Size()) {
		w.s.large.Add(1)
		return
	}
	w.buf.Reset()
	w.buf.Grow(int(fi.Size()))
	if _, err := io.Copy(&w.buf, f); err != nil {
		w.s.addError(j.file, "%v", unwrapPathError(err))
		return
	}
	data := w.buf.Bytes()
	id := blobHash(data)
	if j.occ && id != j.base {
		w.s.addOcc(occurrence{Occurrence: Occurrence{Path: j.path}, blob: id, worktree: true})
	}
	if id == j.base || !w.seen.add(id) {
		return
	}
	if w.s.opts.SkipBlob != nil && w.s.opts.SkipBlob(id) {
		return
	}
	w.s.scanBlob(id, j.path, data)
}

func (s *session) addOcc(o occurrence) {
	s.mu.Lock()
	s.occs = append(s.occs, o)
	s.mu.Unlock()
}

// blobHash is the git blob id of data (plumbing.ComputeHash(plumbing.BlobObject, data)),
// with the standard library's SHA-1: go-git's collision-detecting SHA-1 is several times
// slower, and these are bytes read from disk, not objects from an untrusted pack.
func blobHash(data []byte) plumbing.Hash {
	h := sha1.New()
	h.Write([]byte("blob "))
	h.Write([]byte(strconv.Itoa(len(data))))
	h.Write([]byte{0})
	h.Write(data)
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))
	return id
}

// unwrapPathError drops the path from an *os.PathError: the error's source already names it.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
