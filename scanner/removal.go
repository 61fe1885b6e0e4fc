package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// CommitRef is a commit and its metadata, as reported in an exposure window.
type CommitRef struct {
	Hash   string
	Date   time.Time // committer date: when the change landed on the branch
	Author string
}

// Removal says when a credential left the default branch.
//
// It follows HEAD's first-parent history, the branch as people saw it: merges count when
// they land, not when a side branch was written.
type Removal struct {
	// Head is the commit HEAD points to.
	Head CommitRef
	// InHead is true when HEAD's tree still holds one of the values at any path.
	InHead bool
	// Removed is the first first-parent commit, after the credential's last stretch on the
	// branch, whose tree holds none of the values at any path. Nil while InHead, and nil
	// when the credential never was on HEAD's first-parent history (see OnHeadHistory).
	Removed *CommitRef
	// Introduced is the first commit of that last stretch: the first-parent commit that
	// (re)introduced the credential on the branch. Nil when InHead is true (not computed:
	// the scan's own provenance says who introduced it) or when it never was on the branch.
	Introduced *CommitRef
	// OnHeadHistory is false when no commit of HEAD's first-parent history held the
	// credential: it lived only on other branches or tags.
	OnHeadHistory bool
}

// maxRemovalBlob bounds the blobs read when looking for a value: larger ones are skipped by
// the scan too (skipped_large), so a credential in one was never reported.
const maxRemovalBlob = 64 << 20

// minRemovalValue is the shortest value searched for: shorter strings would match by chance.
const minRemovalValue = 8

// FindRemoval walks HEAD's first-parent history backwards until it meets a commit whose tree
// holds one of values (the raw credential and the values paired with it), and reports the
// commit after it as the removal. Content is searched, not blob ids, so an edit elsewhere in
// a file that keeps the secret does not look like a removal, and a copy at any path counts.
//
// Cost: trees are memoised by hash and blobs by id, so each distinct subtree and blob is
// read once; the walk stops at the last commit that held the credential.
func FindRemoval(ctx context.Context, repoPath string, values []string) (Removal, error) {
	repo, err := openRepository(repoPath)
	if err != nil {
		return Removal{}, err
	}
	head, err := repo.Head()
	if err != nil {
		return Removal{}, fmt.Errorf("%s: HEAD: %w", repoPath, err)
	}
	var needles [][]byte
	for _, v := range values {
		if len(v) >= minRemovalValue {
			needles = append(needles, []byte(v))
		}
	}
	if len(needles) == 0 {
		return Removal{}, errors.New("no value long enough to search for")
	}
	f := &holdFinder{s: repo.Storer, needles: needles, trees: map[plumbing.Hash]bool{}, blobs: map[plumbing.Hash]bool{}}
	return f.walk(ctx, head.Hash())
}

type holdFinder struct {
	s       storer.EncodedObjectStorer
	needles [][]byte
	trees   map[plumbing.Hash]bool
	blobs   map[plumbing.Hash]bool
}

func commitRef(c *object.Commit) CommitRef {
	return CommitRef{Hash: c.Hash.String(), Date: c.Committer.When, Author: c.Author.Name}
}

func (f *holdFinder) walk(ctx context.Context, headHash plumbing.Hash) (Removal, error) {
	c, err := object.GetCommit(f.s, headHash)
	if err != nil {
		return Removal{}, fmt.Errorf("HEAD commit %s: %w", headHash, err)
	}
	r := Removal{Head: commitRef(c)}
	var newer *object.Commit // the commit after c on the branch (nil for HEAD)
	for {
		if err := ctx.Err(); err != nil {
			return Removal{}, err
		}
		holds, err := f.treeHolds(c.TreeHash)
		if err != nil {
			return Removal{}, fmt.Errorf("commit %s: %w", c.Hash, err)
		}
		if holds {
			if newer == nil {
				r.InHead = true
				r.OnHeadHistory = true
				return r, nil
			}
			removed := commitRef(newer)
			r.Removed = &removed
			r.OnHeadHistory = true
			intro, err := f.stretchStart(ctx, c)
			if err != nil {
				return Removal{}, err
			}
			r.Introduced = &intro
			return r, nil
		}
		if len(c.ParentHashes) == 0 {
			return r, nil // never on the branch
		}
		parent, err := object.GetCommit(f.s, c.ParentHashes[0])
		if err != nil {
			// A shallow clone ends here; what we saw held nothing.
			return r, nil
		}
		newer, c = c, parent
	}
}

// stretchStart goes back from c (which holds the credential) to the first commit of its
// uninterrupted stretch on the first-parent chain.
func (f *holdFinder) stretchStart(ctx context.Context, c *object.Commit) (CommitRef, error) {
	for {
		if err := ctx.Err(); err != nil {
			return CommitRef{}, err
		}
		if len(c.ParentHashes) == 0 {
			return commitRef(c), nil
		}
		parent, err := object.GetCommit(f.s, c.ParentHashes[0])
		if err != nil {
			return commitRef(c), nil
		}
		holds, err := f.treeHolds(parent.TreeHash)
		if err != nil {
			return CommitRef{}, fmt.Errorf("commit %s: %w", parent.Hash, err)
		}
		if !holds {
			return commitRef(c), nil
		}
		c = parent
	}
}

func (f *holdFinder) treeHolds(h plumbing.Hash) (bool, error) {
	if v, ok := f.trees[h]; ok {
		return v, nil
	}
	t, err := object.GetTree(f.s, h)
	if err != nil {
		return false, fmt.Errorf("tree %s: %w", h, err)
	}
	holds := false
	for _, e := range t.Entries {
		switch e.Mode {
		case filemode.Dir:
			holds, err = f.treeHolds(e.Hash)
		case filemode.Submodule:
			// Another repository's commit: its content is not here.
		default:
			holds, err = f.blobHolds(e.Hash)
		}
		if err != nil {
			return false, err
		}
		if holds {
			break
		}
	}
	f.trees[h] = holds
	return holds, nil
}

func (f *holdFinder) blobHolds(h plumbing.Hash) (bool, error) {
	if v, ok := f.blobs[h]; ok {
		return v, nil
	}
	holds := false
	b, err := object.GetBlob(f.s, h)
	switch {
	case errors.Is(err, plumbing.ErrObjectNotFound):
		// A partial clone's missing blob: nothing to search.
	case err != nil:
		return false, fmt.Errorf("blob %s: %w", h, err)
	case b.Size <= maxRemovalBlob:
		rd, err := b.Reader()
		if err != nil {
			return false, fmt.Errorf("blob %s: %w", h, err)
		}
		data, err := io.ReadAll(rd)
		rd.Close()
		if err != nil {
			return false, fmt.Errorf("blob %s: %w", h, err)
		}
		for _, n := range f.needles {
			if bytes.Contains(data, n) {
				holds = true
				break
			}
		}
	}
	f.blobs[h] = holds
	return holds, nil
}
