package scanner

import (
	"testing"

	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/scanner/gittest"
)

func TestParseTreeMatchesGoGit(t *testing.T) {
	r := gittest.New(t)
	r.Commit("one", map[string]string{"a.txt": "a", "dir/b.txt": "b", "dir/sub/c": "c", "z": "z"})
	r.Symlink("link", "a.txt")
	c := r.Commit("two", nil)
	co, _ := r.Git.CommitObject(c)
	tree, _ := co.Tree()
	tr := &treeReader{st: storageOf(t, r)}
	got, err := tr.read(tree.Hash)
	if err != nil {
		t.Fatal(err)
	}
	var want []treeEntry
	for _, e := range tree.Entries {
		want = append(want, treeEntry{Name: e.Name, Mode: e.Mode, Hash: e.Hash})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-go-git +parseTree):\n%s", diff)
	}
	for _, bad := range []string{"100644 a", "10x644 a\x00" + string(make([]byte, 20)), "100644 a\x00short"} {
		if _, err := parseTree([]byte(bad)); err == nil {
			t.Errorf("parseTree(%q): no error", bad)
		}
	}
}

func storageOf(t *testing.T, r *gittest.Repo) *filesystem.Storage {
	t.Helper()
	rp, err := openRepo(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.close)
	return rp.st
}
