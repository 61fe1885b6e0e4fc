package gittest

import (
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestRepoBuildsHistory(t *testing.T) {
	r := New(t)
	c1 := r.Commit("first", map[string]string{"a.txt": "one", "dir/b.txt": "two"})
	c2 := r.Commit("second", map[string]string{"a.txt": Deleted}, Author("Eve", "eve@example.com"))
	r.Rename("dir/b.txt", "dir/c.txt")
	c3 := r.Commit("rename", nil, At(Epoch.Add(48*time.Hour)))
	r.Branch("feature")
	r.Checkout("feature")
	c4 := r.Commit("on feature", map[string]string{"f.txt": "feature"})
	r.Checkout("main")
	r.Tag("v1")
	tag := r.AnnotatedTag("v2", c1, "annotated")
	stash := r.Stash(map[string]string{"dir/c.txt": "changed"}, map[string]string{"new.txt": "untracked"})

	if got := r.Head(); got != c3 {
		t.Fatalf("HEAD = %s, want %s", got, c3)
	}
	commit := func(h plumbing.Hash) map[string]plumbing.Hash {
		c, err := r.Git.CommitObject(h)
		if err != nil {
			t.Fatal(err)
		}
		m, err := flatten(c)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := commit(c2); len(m) != 1 || m["dir/b.txt"] != BlobHash("two") {
		t.Errorf("c2 tree = %v", m)
	}
	if m := commit(c3); len(m) != 1 || m["dir/c.txt"] != BlobHash("two") {
		t.Errorf("c3 tree = %v", m)
	}
	if m := commit(c4); len(m) != 2 {
		t.Errorf("c4 tree = %v", m)
	}
	c, _ := r.Git.CommitObject(c2)
	if c.Author.Name != "Eve" || !c.Author.When.Equal(Epoch.Add(time.Hour)) {
		t.Errorf("c2 author = %v", c.Author)
	}
	c, _ = r.Git.CommitObject(c4)
	if !c.Author.When.Equal(Epoch.Add(49 * time.Hour)) {
		t.Errorf("c4 date = %v, want one hour after the At date", c.Author.When)
	}
	sc, _ := r.Git.CommitObject(stash)
	if len(sc.ParentHashes) != 3 || sc.ParentHashes[0] != c3 {
		t.Errorf("stash parents = %v", sc.ParentHashes)
	}
	if to, err := r.Git.TagObject(tag); err != nil || to.Target != c1 {
		t.Errorf("annotated tag: %v %v", to, err)
	}

	bare := Bare(t, r)
	b, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatal(err)
	}
	head, err := b.Head()
	if err != nil || head.Hash() != c3 {
		t.Fatalf("bare HEAD = %v, %v", head, err)
	}
	if _, err := b.CommitObject(c4); err != nil {
		t.Errorf("bare copy lacks feature commit: %v", err)
	}
	if ref, err := b.Reference("refs/stash", false); err != nil || ref.Hash() != stash {
		t.Errorf("bare stash ref: %v %v", ref, err)
	}
}
