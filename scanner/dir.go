package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// scanDir scans a plain directory (or a single file): every regular file once per
// distinct content. Symbolic links are not followed (counted in Stats.SkippedSymlink), so
// the scan never leaves the tree; .git directories are skipped.
func (s *session) scanDir(target string, fi os.FileInfo) error {
	seen := newBlobSet()
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file or directory", target)
		}
		name := filepath.Base(target)
		s.root = target
		if s.opts.KeepBlob != nil && s.opts.KeepBlob(name) {
			s.keepFile(target, name)
		}
		s.runJobs(nil, seen, func(send func(job) bool) {
			send(job{file: target, path: name, occ: true})
		})
		return s.ctx.Err()
	}
	if _, err := os.ReadDir(target); err != nil {
		return fmt.Errorf("%s: %v", target, unwrapPathError(err))
	}
	s.runJobs(nil, seen, func(send func(job) bool) {
		s.walkDir(target, "", send)
	})
	return s.ctx.Err()
}

func (s *session) walkDir(dir, rel string, send func(job) bool) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		s.addError(dir, "%v", unwrapPathError(err))
		return true
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, de := range ents {
		full := filepath.Join(dir, de.Name())
		p := join(rel, de.Name())
		switch {
		case de.Type()&os.ModeSymlink != 0:
			s.symlinks.Add(1)
		case de.IsDir():
			if de.Name() == ".git" {
				continue
			}
			if !s.walkDir(full, p, send) {
				return false
			}
		case de.Type().IsRegular():
			if de.Name() == ".git" || s.skipPath(p) {
				continue // a worktree's or submodule's .git file points elsewhere
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
