package scanner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// objectCacheSize is each reader's decoded-object cache. Delta chains in packs resolve
// through it, so a reader that walks blobs newest first mostly hits its bases.
const objectCacheSize = 64 << 20

// repo is one opened git repository. go-git storers are not safe for concurrent use, so
// the walker uses st and every worker opens its own storer over the same .git directory.
type repo struct {
	path    string           // the target as given
	dotgit  billy.Filesystem // the git directory (the target itself when bare)
	st      *filesystem.Storage
	git     *git.Repository
	bare    bool
	maxSize int64 // objects above it are not inflated just to learn their size
}

// openRepo opens target as a repository root. A directory that is not one (including a
// subfolder of a repository) gives git.ErrRepositoryNotExists; a repository that cannot be
// read gives an error naming target.
func openRepo(target string) (*repo, error) {
	g, err := git.PlainOpenWithOptions(target, &git.PlainOpenOptions{DetectDotGit: false, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			if _, statErr := os.Lstat(filepath.Join(target, ".git")); statErr == nil {
				return nil, fmt.Errorf("%s: corrupt git repository: .git is not a readable git directory", target)
			}
			return nil, err
		}
		return nil, fmt.Errorf("%s: corrupt git repository: %v", target, err)
	}
	fsys, ok := g.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported repository storage", target)
	}
	r := &repo{path: target, dotgit: fsys.Filesystem()}
	if _, err := g.Worktree(); errors.Is(err, git.ErrIsBareRepository) {
		r.bare = true
	}
	// A repository whose HEAD cannot even be parsed is damaged beyond "an object is
	// missing": say so rather than reporting an empty history.
	head, err := g.Storer.Reference(plumbing.HEAD)
	switch {
	case err != nil && !errors.Is(err, plumbing.ErrReferenceNotFound):
		return nil, fmt.Errorf("%s: corrupt git repository: HEAD: %v", target, err)
	case err == nil && head.Type() == plumbing.HashReference && head.Hash().IsZero():
		return nil, fmt.Errorf("%s: corrupt git repository: HEAD is neither a ref nor a commit id", target)
	}
	if fi, err := r.dotgit.Stat("objects"); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: corrupt git repository: no objects directory", target)
	}
	r.st = r.newStorage(DefaultMaxFileSize)
	r.git = g
	return r, nil
}

// newStorage opens an independent storer over the repository's git directory.
func (r *repo) newStorage(maxSize int64) *filesystem.Storage {
	opts := filesystem.Options{KeepDescriptors: true}
	if maxSize > 0 {
		opts.LargeObjectThreshold = maxSize
	}
	return filesystem.NewStorageWithOptions(r.dotgit, cache.NewObjectLRU(objectCacheSize), opts)
}

func (r *repo) close() {
	if r.st != nil {
		_ = r.st.Close()
	}
}

// commitInfo is the little the walk keeps per commit; authors are read again only for
// commits that introduced a matched blob.
type commitInfo struct {
	hash    plumbing.Hash
	tree    plumbing.Hash
	parents []plumbing.Hash
	when    time.Time // committer date
	gen     int       // topological generation (computed before provenance)
}

// history is the walked part of the commit graph.
type history struct {
	commits []*commitInfo
	index   map[plumbing.Hash]*commitInfo
	// outside holds tree hashes of parents that were not walked (--since boundary), so
	// provenance can diff against them.
	outside map[plumbing.Hash]plumbing.Hash
	// roots are trees and blobs that refs or tags point at directly, without a commit.
	rootTrees map[plumbing.Hash]string
	rootBlobs map[plumbing.Hash]string
	headTree  plumbing.Hash
}

// tip is where the walk starts: a ref's target.
type tip struct {
	name string
	hash plumbing.Hash
}

// tips lists every ref's target (branches, tags, remote-tracking refs, notes, stash and
// its reflog, anything else under refs/), sorted by name for a deterministic walk.
func (s *session) tips(r *repo) []tip {
	var out []tip
	iter, err := r.st.IterReferences()
	if err != nil {
		s.addError(r.path, "reading refs: %v", err)
		return nil
	}
	_ = iter.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.SymbolicReference {
			return nil // HEAD and friends: their targets are refs of their own
		}
		out = append(out, tip{name: ref.Name().String(), hash: ref.Hash()})
		return nil
	})
	iter.Close()
	// A detached HEAD can hold commits no ref points at.
	if head, err := r.st.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.HashReference {
		out = append(out, tip{name: "HEAD", hash: head.Hash()})
	}
	// Older stash entries live only in the stash reflog.
	out = append(out, s.stashReflog(r)...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *session) stashReflog(r *repo) []tip {
	f, err := r.dotgit.Open("logs/refs/stash")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []tip
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		h := plumbing.NewHash(fields[1])
		if !h.IsZero() {
			out = append(out, tip{name: fmt.Sprintf("refs/stash@{%d}", n), hash: h})
		}
	}
	return out
}

// resolveHead returns HEAD's commit (zero when unborn or unreadable).
func resolveHead(r *repo) plumbing.Hash {
	ref, err := r.git.Head()
	if err != nil {
		return plumbing.ZeroHash
	}
	return ref.Hash()
}

// scanGit scans a repository: history (or the index with Staged), then the working tree.
func (s *session) scanGit(r *repo) error {
	r.maxSize = s.maxSize
	if r.st != nil {
		_ = r.st.Close()
	}
	r.st = r.newStorage(s.maxSize)
	head := resolveHead(r)
	if !head.IsZero() {
		s.head = head.String()
	}
	h := &history{index: map[plumbing.Hash]*commitInfo{}, outside: map[plumbing.Hash]plumbing.Hash{},
		rootTrees: map[plumbing.Hash]string{}, rootBlobs: map[plumbing.Hash]string{}}
	if !head.IsZero() {
		if c, err := object.GetCommit(r.st, head); err == nil {
			h.headTree = c.TreeHash
		} else {
			s.addError(r.path, "reading HEAD commit %s: %v", head, err)
		}
	}
	seen := newBlobSet()
	if s.opts.Staged {
		if r.bare {
			return fmt.Errorf("%s: --staged needs a repository with a working tree", r.path)
		}
		if err := s.scanStaged(r, h, seen); err != nil {
			return err
		}
		return s.ctx.Err()
	}
	if err := s.scanHistory(r, h, seen); err != nil {
		return err
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if !r.bare && (s.opts.Worktree == nil || *s.opts.Worktree) {
		if err := s.scanWorktree(r, h, seen); err != nil {
			return err
		}
	} else if s.opts.KeepBlob != nil && !h.headTree.IsZero() {
		s.keepFromTree(r, h.headTree)
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	return s.provenance(r, h)
}

// scanHistory walks every commit reachable from the tips (minus --since's ancestors) and
// sends each distinct blob of their trees to the workers once.
func (s *session) scanHistory(r *repo, h *history, seen *blobSet) error {
	tips := s.tips(r)
	exclude := map[plumbing.Hash]bool{}
	seenTrees := map[treeKey]bool{}
	if s.opts.Since != "" {
		since, err := r.git.ResolveRevision(plumbing.Revision(s.opts.Since))
		if err != nil {
			return fmt.Errorf("%s: --since %s: %v", r.path, s.opts.Since, err)
		}
		s.ancestors(r, *since, exclude)
	}
	shallow := map[plumbing.Hash]bool{}
	if hs, err := r.st.Shallow(); err == nil {
		for _, x := range hs {
			shallow[x] = true
		}
	}

	var readErrs, readOK int
	s.runJobs(r, seen, func(send func(job) bool) {
		w := &treeWalker{s: s, trees: treeReader{st: r.st}, seen: seen, seenTrees: seenTrees, send: send, repo: r.path}
		queue := make([]plumbing.Hash, 0, len(tips))
		queued := map[plumbing.Hash]bool{}
		for _, t := range tips {
			hash, obj := s.peel(r, t)
			switch obj {
			case plumbing.CommitObject:
				if !queued[hash] && !exclude[hash] {
					queued[hash] = true
					queue = append(queue, hash)
				}
			case plumbing.TreeObject:
				h.rootTrees[hash] = t.name
			case plumbing.BlobObject:
				h.rootBlobs[hash] = t.name
			default:
				// The ref's target is missing or unreadable (peel said why): with no other
				// tip readable, nothing of the history could be read.
				readErrs++
			}
		}
		// First the commit graph, breadth first from the tips (newest content first, which
		// is how packs store full objects and delta bases).
		for len(queue) > 0 && s.ctx.Err() == nil {
			id := queue[0]
			queue = queue[1:]
			c, err := object.GetCommit(r.st, id)
			if err != nil {
				readErrs++
				s.objectError(r.path, "commit", id, err)
				continue
			}
			readOK++
			ci := &commitInfo{hash: id, tree: c.TreeHash, parents: c.ParentHashes, when: c.Committer.When}
			h.commits = append(h.commits, ci)
			h.index[id] = ci
			s.commits.Add(1)
			for _, p := range c.ParentHashes {
				if exclude[p] {
					if _, ok := h.outside[p]; !ok {
						if pc, err := object.GetCommit(r.st, p); err == nil {
							h.outside[p] = pc.TreeHash
						} else {
							s.objectError(r.path, "commit", p, err)
						}
					}
					continue
				}
				if !queued[p] && !shallow[id] {
					queued[p] = true
					queue = append(queue, p)
				}
			}
		}
		// Blobs present at the --since boundary are not new: mark them before any walk.
		w.mark = true
		for _, tree := range sortedValues(h.outside) {
			w.walk(tree, "")
		}
		w.mark = false
		// A full-history scan takes its blobs from one streamed git log (C tree diffs):
		// reading every tree through go-git dominated long histories. --since keeps the
		// walk, whose boundary marking is by blob id whatever the path.
		var listed []introduction
		listErr := errors.New("walk")
		if s.opts.Since == "" {
			listed, listErr = gitHistoryBlobs(s.ctx, r.dotgit.Root(), h.commits)
		}
		if listErr == nil {
			for _, b := range listed {
				if s.ctx.Err() != nil {
					return
				}
				if w.seen.has(b.blob) || s.skipPath(b.path) {
					continue
				}
				w.blob(b.blob, b.path)
			}
		}
		for _, c := range h.commits {
			if listErr == nil {
				break
			}
			if s.ctx.Err() != nil {
				return
			}
			w.walk(c.tree, "")
		}
		for _, tree := range sortedKeysHash(h.rootTrees) {
			w.walk(tree, "")
		}
		for _, b := range sortedKeysHash(h.rootBlobs) {
			w.blob(b, h.rootBlobs[b])
		}
		s.progress.total(w.sent)
	})
	if readOK == 0 && readErrs > 0 {
		return fmt.Errorf("%s: no commit could be read (%d unreadable)", r.path, readErrs)
	}
	return nil
}

// ancestors marks every commit reachable from start.
func (s *session) ancestors(r *repo, start plumbing.Hash, out map[plumbing.Hash]bool) {
	stack := []plumbing.Hash{start}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out[id] {
			continue
		}
		out[id] = true
		c, err := object.GetCommit(r.st, id)
		if err != nil {
			continue
		}
		stack = append(stack, c.ParentHashes...)
	}
}

// peel follows annotated tags to the object they name.
func (s *session) peel(r *repo, t tip) (plumbing.Hash, plumbing.ObjectType) {
	id := t.hash
	for depth := 0; depth < 16; depth++ {
		obj, err := r.st.EncodedObject(plumbing.AnyObject, id)
		if err != nil {
			s.objectError(r.path, "ref "+t.name+" target", id, err)
			return id, plumbing.InvalidObject
		}
		if obj.Type() != plumbing.TagObject {
			return id, obj.Type()
		}
		tag, err := object.DecodeTag(r.st, obj)
		if err != nil {
			s.addError(r.path, "ref %s: tag %s: %v", t.name, id, err)
			return id, plumbing.InvalidObject
		}
		id = tag.Target
	}
	return id, plumbing.InvalidObject
}

func (s *session) objectError(repoPath, what string, id plumbing.Hash, err error) {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		s.missing.Add(1)
		s.addError(repoPath, "%s %s: object missing", what, id)
		return
	}
	s.addError(repoPath, "%s %s: %v", what, id, err)
}

// treeKey identifies a walked tree. With a path filter the same tree at another path can
// hold different skipped entries, so the path is part of the key then.
type treeKey struct {
	hash   plumbing.Hash
	prefix string
}

// treeWalker sends each not-yet-seen blob under a tree to the workers, skipping trees it
// has already walked, so the cost is one visit per distinct tree, not commits × files.
type treeWalker struct {
	s         *session
	trees     treeReader
	repo      string
	seen      *blobSet
	seenTrees map[treeKey]bool
	send      func(job) bool
	sent      int64
	mark      bool // only mark blobs as seen (the --since boundary)
}

func (w *treeWalker) walk(id plumbing.Hash, prefix string) {
	k := treeKey{hash: id}
	if w.s.opts.SkipPath != nil {
		k.prefix = prefix
	}
	if w.seenTrees[k] {
		return
	}
	w.seenTrees[k] = true
	entries, err := w.trees.read(id)
	if err != nil {
		w.s.objectError(w.repo, "tree", id, err)
		return
	}
	for _, e := range entries {
		p := e.Name
		if prefix != "" {
			p = prefix + "/" + e.Name
		}
		switch e.Mode {
		case filemode.Dir:
			w.walk(e.Hash, p)
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
			// A blob already taken needs no path decision: checking the set first keeps the
			// allowlist's path regexes to about one call per distinct blob, not per tree entry.
			if w.seen.has(e.Hash) || w.s.skipPath(p) {
				continue
			}
			w.blob(e.Hash, p)
		}
		// Submodules (gitlinks) point into other repositories and symlinks hold a path.
	}
}

func (w *treeWalker) blob(id plumbing.Hash, path string) {
	if !w.seen.add(id) {
		return
	}
	if w.mark {
		return
	}
	if w.s.opts.SkipBlob != nil && w.s.opts.SkipBlob(id) {
		return
	}
	if w.send(job{id: id, path: path}) {
		w.sent++
	}
}

// keepFromTree puts HEAD's versions of KeepBlob paths in Result.Kept (bare repositories).
func (s *session) keepFromTree(r *repo, tree plumbing.Hash) {
	s.treeFiles(r, tree, "", func(p string, id plumbing.Hash) {
		if s.opts.KeepBlob(p) {
			s.keepObject(r, id, p)
		}
	})
}

func (s *session) keep(b Blob) {
	s.mu.Lock()
	s.kept = append(s.kept, b)
	s.mu.Unlock()
}

// readObject reads a blob's content into buf and returns it (valid until buf is reused).
func readObject(st *filesystem.Storage, id plumbing.Hash, buf *bytes.Buffer) ([]byte, error) {
	obj, err := st.EncodedObject(plumbing.BlobObject, id)
	if err != nil {
		return nil, err
	}
	return readEncoded(obj, buf)
}

func readEncoded(obj plumbing.EncodedObject, buf *bytes.Buffer) ([]byte, error) {
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	buf.Reset()
	buf.Grow(int(obj.Size()))
	if _, err := io.Copy(buf, rd); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedValues(m map[plumbing.Hash]plumbing.Hash) []plumbing.Hash {
	out := make([]plumbing.Hash, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}

func sortedKeysHash(m map[plumbing.Hash]string) []plumbing.Hash {
	out := make([]plumbing.Hash, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}
