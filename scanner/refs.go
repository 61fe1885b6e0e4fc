package scanner

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// RefsContaining returns, for each commit in commits (40-hex ids), the full names of the
// branches (refs/heads/…, refs/remotes/…) and tags (refs/tags/…) whose history contains it,
// sorted. Every well-formed commit asked for is a key; an empty list means no branch or tag
// reaches it (a deleted branch, a stash, a pull-request ref). Malformed ids are ignored.
//
// It is one memoised reachability pass: each commit of the repository is read at most once
// whatever the number of refs, and each commit's answer is a bit set over the asked commits,
// shared with its parent when nothing changes (linear history allocates nothing).
func RefsContaining(repoPath string, commits []string) (map[string][]string, error) {
	repo, err := openRepository(repoPath)
	if err != nil {
		return nil, err
	}
	return refsContaining(repo.Storer, commits)
}

// openRepository opens a work tree (its .git found from any subdirectory) or a bare
// repository.
func openRepository(path string) (*git.Repository, error) {
	repo, err := git.PlainOpen(path)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		// A subdirectory of a work tree; PlainOpen alone handles bare repositories and
		// work-tree roots.
		repo, err = git.PlainOpenWithOptions(path, &git.PlainOpenOptions{DetectDotGit: true})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return repo, nil
}

// reachBits is a bit set over the asked commits; nil is the empty set.
type reachBits []uint64

func (b reachBits) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

func refsContaining(s storer.Storer, commits []string) (map[string][]string, error) {
	index := map[plumbing.Hash]int{}
	var order []plumbing.Hash
	for _, c := range commits {
		h, ok := parseCommitID(c)
		if !ok {
			continue
		}
		if _, dup := index[h]; !dup {
			index[h] = len(order)
			order = append(order, h)
		}
	}
	out := make(map[string][]string, len(order))
	for _, h := range order {
		out[h.String()] = []string{}
	}
	if len(order) == 0 {
		return out, nil
	}
	words := (len(order) + 63) / 64

	refs, err := s.IterReferences()
	if err != nil {
		return nil, fmt.Errorf("listing refs: %w", err)
	}
	type tip struct {
		name string
		hash plumbing.Hash
	}
	var tips []tip
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name().String()
		if ref.Type() != plumbing.HashReference || !isBranchOrTag(name) {
			return nil
		}
		if h, ok := peelToCommit(s, ref.Hash()); ok {
			tips = append(tips, tip{name, h})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing refs: %w", err)
	}

	memo := map[plumbing.Hash]reachBits{}
	for _, t := range tips {
		bits, err := reachFrom(s, t.hash, index, words, memo)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		for i, h := range order {
			if bits.has(i) {
				out[h.String()] = append(out[h.String()], t.name)
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out, nil
}

func isBranchOrTag(name string) bool {
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
		if strings.HasPrefix(name, p) {
			return !strings.HasSuffix(name, "/HEAD") || p != "refs/remotes/"
		}
	}
	return false
}

func parseCommitID(s string) (plumbing.Hash, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.NewHash(strings.ToLower(s)), true
}

// peelToCommit follows annotated tags to the commit they name; tags of trees or blobs and
// missing objects give false.
func peelToCommit(s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.Hash, bool) {
	for range 10 { // tags of tags are legal; a loop bound keeps a corrupt chain finite
		obj, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, true
		case plumbing.TagObject:
			tag, err := object.DecodeTag(s, obj)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			h = tag.Target
		default:
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

// reachFrom computes the asked commits reachable from tip (tip included), filling memo for
// every commit it visits. It walks iteratively: histories are deeper than any safe stack.
func reachFrom(s storer.EncodedObjectStorer, tip plumbing.Hash, index map[plumbing.Hash]int, words int, memo map[plumbing.Hash]reachBits) (reachBits, error) {
	type frame struct {
		hash     plumbing.Hash
		parents  []plumbing.Hash
		expanded bool
	}
	stack := []frame{{hash: tip}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if _, done := memo[top.hash]; done {
			stack = stack[:len(stack)-1]
			continue
		}
		if !top.expanded {
			c, err := object.GetCommit(s, top.hash)
			if err != nil {
				// A shallow clone's boundary or a missing object: the commit counts for
				// itself only, and the walk goes on.
				memo[top.hash] = ownBit(top.hash, index, words, nil)
				stack = stack[:len(stack)-1]
				continue
			}
			top.parents = c.ParentHashes
			top.expanded = true
			for _, p := range c.ParentHashes {
				if _, done := memo[p]; !done {
					stack = append(stack, frame{hash: p})
				}
			}
			continue
		}
		var bits reachBits
		shared := true // bits still aliases a parent's set
		for _, p := range top.parents {
			pb := memo[p]
			switch {
			case len(pb) == 0:
			case bits == nil:
				bits = pb
			case !sameBits(bits, pb):
				if shared {
					bits = append(reachBits(nil), bits...)
					shared = false
				}
				for i := range pb {
					bits[i] |= pb[i]
				}
			}
		}
		memo[top.hash] = ownBit(top.hash, index, words, bits)
		stack = stack[:len(stack)-1]
	}
	return memo[tip], nil
}

// ownBit adds h's own bit to bits when h is an asked commit, copying so that a parent's
// shared set is never modified.
func ownBit(h plumbing.Hash, index map[plumbing.Hash]int, words int, bits reachBits) reachBits {
	i, ok := index[h]
	if !ok {
		return bits
	}
	out := make(reachBits, words)
	copy(out, bits)
	out[i/64] |= 1 << (i % 64)
	return out
}

func sameBits(a, b reachBits) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
