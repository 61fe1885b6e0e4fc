package scanner

import (
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// introduction is a candidate introducing commit of a blob at a path.
type introduction struct {
	blob plumbing.Hash
	path string
}

// provenance finds, for each matched blob and each path it sits at, the commit that
// introduced it there: a commit whose tree has the blob at the path while no parent's tree
// does, the earliest by committer date (ties: topological order). It diffs each walked
// commit against its parents, descending only into subtrees whose hashes differ, so the
// cost is that of `git log --raw`, paid only when something matched.
func (s *session) provenance(r *repo, h *history) error {
	targets := map[plumbing.Hash]bool{}
	for id := range s.matched {
		targets[id] = true
	}
	if len(targets) == 0 {
		return nil
	}
	generations(h)

	best := map[introduction]*commitInfo{}
	var mu sync.Mutex
	consider := func(in introduction, c *commitInfo) {
		mu.Lock()
		defer mu.Unlock()
		if b := best[in]; b == nil || earlier(c, b) {
			best[in] = c
		}
	}
	// git computes the same introductions from its own tree diffs far faster (one streamed
	// `git log --raw`); diffing trees read through go-git is the fallback (no git binary, an
	// object git cannot read).
	if byCommit, err := gitIntroductions(s.ctx, r.dotgit.Root(), h.commits, targets); err == nil {
		for _, c := range h.commits {
			for _, in := range byCommit[c.hash] {
				consider(in, c)
			}
		}
	} else if err := s.treeDiffIntroductions(r, h, targets, consider); err != nil {
		return err
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}

	look := &differ{s: s, trees: &treeReader{st: r.st}, repo: r.path, targets: targets}
	ins := make([]introduction, 0, len(best))
	for in := range best {
		ins = append(ins, in)
	}
	sort.Slice(ins, func(i, j int) bool {
		if ins[i].path != ins[j].path {
			return ins[i].path < ins[j].path
		}
		return ins[i].blob.String() < ins[j].blob.String()
	})
	authors := map[plumbing.Hash]*object.Commit{}
	for _, in := range ins {
		c := best[in]
		co := authors[c.hash]
		if co == nil {
			var err error
			if co, err = object.GetCommit(r.st, c.hash); err != nil {
				s.objectError(r.path, "commit", c.hash, err)
				continue
			}
			authors[c.hash] = co
		}
		inHead := false
		if !h.headTree.IsZero() {
			id, ok := look.lookup(h.headTree, in.path)
			inHead = ok && id == in.blob
		}
		s.addOcc(occurrence{
			Occurrence: Occurrence{Path: in.path, Commit: c.hash.String(), Author: co.Author.Name,
				Email: co.Author.Email, Date: co.Author.When, InHead: inHead},
			blob: in.blob, when: c.when, gen: c.gen,
		})
	}
	// Trees and blobs that refs point at without a commit.
	for _, tree := range sortedKeysHash(h.rootTrees) {
		for _, in := range look.all(tree, "") {
			s.addOcc(occurrence{Occurrence: Occurrence{Path: in.path}, blob: in.blob, worktree: true})
		}
	}
	for _, b := range sortedKeysHash(h.rootBlobs) {
		if targets[b] {
			s.addOcc(occurrence{Occurrence: Occurrence{Path: h.rootBlobs[b]}, blob: b, worktree: true})
		}
	}
	return nil
}

// treeDiffIntroductions finds introductions by diffing trees read through go-git, in
// parallel over batches of commits.
func (s *session) treeDiffIntroductions(r *repo, h *history, targets map[plumbing.Hash]bool, consider func(introduction, *commitInfo)) error {
	// Batches of consecutive commits (the walk is breadth first, so mostly parent after
	// child) let each worker's tree cache serve a commit's tree again as its child's parent.
	const batch = 64
	ch := make(chan []*commitInfo, 2*s.jobs)
	var wg sync.WaitGroup
	for i := 0; i < s.jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := r.newStorage(s.maxSize)
			defer st.Close()
			trees := &treeReader{st: st, cache: map[plumbing.Hash][]treeEntry{}, cacheMax: 8192}
			d := &differ{s: s, trees: trees, repo: r.path, targets: targets}
			for cs := range ch {
				for _, c := range cs {
					if s.ctx.Err() != nil {
						break
					}
					for _, in := range d.introduced(c, h) {
						consider(in, c)
					}
				}
			}
		}()
	}
	for i := 0; i < len(h.commits); i += batch {
		ch <- h.commits[i:min(i+batch, len(h.commits))]
	}
	close(ch)
	wg.Wait()
	return s.ctx.Err()
}

func earlier(a, b *commitInfo) bool {
	if !a.when.Equal(b.when) {
		return a.when.Before(b.when)
	}
	if a.gen != b.gen {
		return a.gen < b.gen
	}
	return a.hash.String() < b.hash.String()
}

// generations numbers commits so that every parent has a smaller number than its children.
func generations(h *history) {
	done := make(map[plumbing.Hash]bool, len(h.commits))
	for _, root := range h.commits {
		if done[root.hash] {
			continue
		}
		stack := []*commitInfo{root}
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			if done[c.hash] {
				stack = stack[:len(stack)-1]
				continue
			}
			pending := false
			gen := 0
			for _, p := range c.parents {
				pc := h.index[p]
				if pc == nil {
					continue
				}
				if !done[p] {
					stack = append(stack, pc)
					pending = true
				} else if pc.gen+1 > gen {
					gen = pc.gen + 1
				}
			}
			if !pending {
				c.gen = gen
				done[c.hash] = true
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// differ diffs trees looking for target blobs.
type differ struct {
	s       *session
	trees   *treeReader
	repo    string
	targets map[plumbing.Hash]bool
	out     []introduction
}

// introduced lists the target blobs c's tree holds at paths where no parent's tree holds
// the same blob.
func (d *differ) introduced(c *commitInfo, h *history) []introduction {
	var parents []plumbing.Hash
	for _, p := range c.parents {
		if pc := h.index[p]; pc != nil {
			parents = append(parents, pc.tree)
		} else if t, ok := h.outside[p]; ok {
			parents = append(parents, t)
		}
		// A parent that was never read (shallow clone, missing object) counts as absent.
	}
	d.out = d.out[:0]
	var first plumbing.Hash
	if len(parents) > 0 {
		first = parents[0]
	}
	d.diff(c.tree, first, "")
	if len(parents) < 2 || len(d.out) == 0 {
		return append([]introduction(nil), d.out...)
	}
	var kept []introduction
	for _, in := range d.out {
		present := false
		for _, p := range parents[1:] {
			if id, ok := d.lookup(p, in.path); ok && id == in.blob {
				present = true
				break
			}
		}
		if !present {
			kept = append(kept, in)
		}
	}
	return kept
}

func (d *differ) tree(id plumbing.Hash) []treeEntry {
	es, err := d.trees.read(id)
	if err != nil {
		d.s.objectError(d.repo, "tree", id, err)
		return nil
	}
	return es
}

// diff appends target blobs under tree a (at prefix) that tree b lacks at the same path.
// b may be zero (no parent: everything in a is new).
func (d *differ) diff(a, b plumbing.Hash, prefix string) {
	if a == b {
		return
	}
	ta := d.tree(a)
	var tb []treeEntry
	if !b.IsZero() {
		tb = d.tree(b)
	}
	j := 0
	for _, e := range ta {
		// Entries are in git's tree order: by name, directories as if they ended in '/'.
		for j < len(tb) && treeCmp(tb[j], e) < 0 {
			j++
		}
		var other *treeEntry
		if j < len(tb) && treeCmp(tb[j], e) == 0 {
			other = &tb[j]
		}
		p := join(prefix, e.Name)
		switch {
		case e.Mode == filemode.Dir:
			var ob plumbing.Hash
			if other != nil {
				ob = other.Hash
			}
			d.diff(e.Hash, ob, p)
		case isFileMode(e.Mode) && d.targets[e.Hash]:
			if other == nil || other.Hash != e.Hash || !isFileMode(other.Mode) {
				d.out = append(d.out, introduction{blob: e.Hash, path: p})
			}
		}
	}
}

// all lists every target blob under tree.
func (d *differ) all(tree plumbing.Hash, prefix string) []introduction {
	d.out = d.out[:0]
	d.diff(tree, plumbing.ZeroHash, prefix)
	return append([]introduction(nil), d.out...)
}

// lookup returns the blob at path in tree.
func (d *differ) lookup(tree plumbing.Hash, path string) (plumbing.Hash, bool) {
	parts := strings.Split(path, "/")
	for i, name := range parts {
		entries, err := d.trees.read(tree)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		found := false
		for _, e := range entries {
			if e.Name != name {
				continue
			}
			last := i == len(parts)-1
			if last && isFileMode(e.Mode) {
				return e.Hash, true
			}
			if !last && e.Mode == filemode.Dir {
				tree, found = e.Hash, true
				break
			}
		}
		if !found {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

func isFileMode(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable || m == filemode.Deprecated
}

// treeCmp compares entries in git's tree order (names, directories as if they ended in
// '/') without building the suffixed strings.
func treeCmp(a, b treeEntry) int {
	an, bn := len(a.Name), len(b.Name)
	for i := 0; ; i++ {
		ca, cb := nameByte(a, i), nameByte(b, i)
		if ca != cb {
			return ca - cb
		}
		if ca < 0 || i >= an && i >= bn {
			return 0
		}
	}
}

// nameByte is the i-th byte of the entry's sort key, -1 past its end.
func nameByte(e treeEntry, i int) int {
	switch {
	case i < len(e.Name):
		return int(e.Name[i])
	case i == len(e.Name) && e.Mode == filemode.Dir:
		return '/'
	}
	return -1
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}
