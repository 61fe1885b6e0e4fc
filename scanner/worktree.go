package scanner

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// headFiles maps each regular file path of HEAD's tree to its blob.
func (s *session) headFiles(r *repo, tree plumbing.Hash) map[string]plumbing.Hash {
	m := map[string]plumbing.Hash{}
	if tree.IsZero() {
		return m
	}
	s.treeFiles(r, tree, "", func(p string, id plumbing.Hash) { m[p] = id })
	return m
}

// treeFiles calls fn for each regular file under tree without reading any blob (go-git's
// Tree.Files reads every blob, which is slow and fails on a missing one).
func (s *session) treeFiles(r *repo, tree plumbing.Hash, prefix string, fn func(path string, id plumbing.Hash)) {
	tr := &treeReader{st: r.st}
	var walk func(tree plumbing.Hash, prefix string)
	walk = func(tree plumbing.Hash, prefix string) {
		entries, err := tr.read(tree)
		if err != nil {
			s.objectError(r.path, "tree", tree, err)
			return
		}
		for _, e := range entries {
			p := join(prefix, e.Name)
			switch {
			case e.Mode == filemode.Dir:
				walk(e.Hash, p)
			case isFileMode(e.Mode):
				fn(p, e.Hash)
			}
		}
	}
	walk(tree, prefix)
}

// indexEntries returns the index's file entries (no gitlinks, symlinks or sparse entries).
func (s *session) indexEntries(r *repo) []*index.Entry {
	idx, err := r.st.Index()
	if err != nil {
		s.addError(filepath.Join(r.path, ".git", "index"), "%v", err)
		return nil
	}
	out := make([]*index.Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		if e.SkipWorktree || e.IntentToAdd {
			continue
		}
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Deprecated {
			continue
		}
		out = append(out, e)
	}
	return out
}

// scanStaged scans what a commit made now would add: index blobs that differ from HEAD.
func (s *session) scanStaged(r *repo, h *history, seen *blobSet) error {
	head := s.headFiles(r, h.headTree)
	entries := s.indexEntries(r)
	s.runJobs(r, seen, func(send func(job) bool) {
		for _, e := range entries {
			if s.skipPath(e.Name) || head[e.Name] == e.Hash {
				continue
			}
			s.addOcc(occurrence{Occurrence: Occurrence{Path: e.Name}, blob: e.Hash, worktree: true})
			if s.opts.KeepBlob != nil && s.opts.KeepBlob(e.Name) {
				s.keepObject(r, e.Hash, e.Name)
			}
			if seen.add(e.Hash) && (s.opts.SkipBlob == nil || !s.opts.SkipBlob(e.Hash)) {
				if !send(job{id: e.Hash, path: e.Name}) {
					return
				}
			}
		}
	})
	return nil
}

func (s *session) keepObject(r *repo, id plumbing.Hash, path string) {
	data, err := readObject(r.st, id, new(bytes.Buffer))
	if err != nil {
		s.objectError(r.path, "blob "+path, id, err)
		return
	}
	s.keep(Blob{ID: id, Path: path, Data: append([]byte(nil), data...)})
}

// scanWorktree scans uncommitted content of a non-bare repository: index entries that
// differ from HEAD, tracked files modified on disk, and untracked files .gitignore does
// not exclude. A stat check against the index (size and mtime, as git does) avoids reading
// unchanged files; go-git's Status hashes every file, which is far slower on large trees.
func (s *session) scanWorktree(r *repo, h *history, seen *blobSet) error {
	head := s.headFiles(r, h.headTree)
	entries := s.indexEntries(r)
	var indexTime int64
	if fi, err := os.Stat(filepath.Join(r.dotgit.Root(), "index")); err == nil {
		indexTime = fi.ModTime().UnixNano()
	}
	tracked := make(map[string]bool, len(entries))
	s.runJobs(r, seen, func(send func(job) bool) {
		for _, e := range entries {
			tracked[e.Name] = true
			if s.skipPath(e.Name) {
				continue
			}
			base := head[e.Name]
			if e.Hash != base {
				// Staged but not committed.
				s.addOcc(occurrence{Occurrence: Occurrence{Path: e.Name}, blob: e.Hash, worktree: true})
				if seen.add(e.Hash) && (s.opts.SkipBlob == nil || !s.opts.SkipBlob(e.Hash)) {
					if !send(job{id: e.Hash, path: e.Name}) {
						return
					}
				}
			}
			full := filepath.Join(r.path, filepath.FromSlash(e.Name))
			fi, err := os.Lstat(full)
			if err != nil || !fi.Mode().IsRegular() {
				continue // deleted in the working tree, or replaced by something else
			}
			if s.opts.KeepBlob != nil && s.opts.KeepBlob(e.Name) {
				s.keepFile(full, e.Name)
			}
			mtime := fi.ModTime().UnixNano()
			if fi.Size() == int64(e.Size) && mtime == e.ModifiedAt.UnixNano() && mtime < indexTime {
				continue // unchanged since the index recorded it
			}
			if !send(job{file: full, path: e.Name, occ: true, base: base}) {
				return
			}
		}
		excl := readPatterns(r.dotgit.Root(), "info/exclude", nil)
		s.walkUntracked(r.path, nil, excl, tracked, send)
	})
	return nil
}

// walkUntracked sends untracked, not-ignored files under dir. It returns false when the
// scan was cancelled.
func (s *session) walkUntracked(dir string, rel []string, ps []gitignore.Pattern, tracked map[string]bool, send func(job) bool) bool {
	ps = append(ps[:len(ps):len(ps)], readPatterns(dir, ".gitignore", rel)...)
	ents, err := os.ReadDir(dir)
	if err != nil {
		s.addError(dir, "%v", unwrapPathError(err))
		return true
	}
	m := gitignore.NewMatcher(ps)
	for _, de := range ents {
		name := de.Name()
		if name == ".git" {
			continue
		}
		parts := append(rel[:len(rel):len(rel)], name)
		full := filepath.Join(dir, name)
		p := strings.Join(parts, "/")
		switch {
		case de.IsDir():
			if m.Match(parts, true) {
				continue
			}
			if _, err := os.Lstat(filepath.Join(full, ".git")); err == nil {
				continue // a nested repository or submodule: not this repository's content
			}
			if !s.walkUntracked(full, parts, ps, tracked, send) {
				return false
			}
		case de.Type()&os.ModeSymlink != 0:
			if !tracked[p] && !m.Match(parts, false) {
				s.symlinks.Add(1)
			}
		case de.Type().IsRegular():
			if tracked[p] || s.skipPath(p) || m.Match(parts, false) {
				continue
			}
			if s.opts.KeepBlob != nil && s.opts.KeepBlob(p) {
				s.keepFile(full, p)
			}
			if !send(job{file: full, path: p, occ: true}) {
				return false
			}
		}
	}
	return true
}

// readPatterns reads one ignore file; a missing or unreadable one has no patterns.
func readPatterns(dir, name string, domain []string) []gitignore.Pattern {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return nil
	}
	defer f.Close()
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// keepFile puts a file's bytes in Result.Kept.
func (s *session) keepFile(full, p string) {
	fi, err := os.Stat(full)
	if err != nil || s.tooLarge(fi.Size()) {
		return
	}
	data, err := os.ReadFile(full)
	if err != nil {
		s.addError(full, "%v", unwrapPathError(err))
		return
	}
	s.keep(Blob{ID: blobHash(data), Path: p, Data: data})
}
