package scanner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/scanner/gittest"
)

func TestRefsContaining(t *testing.T) {
	r := gittest.New(t)
	c1 := r.Commit("one", map[string]string{"a.txt": "1"})
	r.AnnotatedTag("v0", c1, "first")
	c2 := r.Commit("two", map[string]string{"a.txt": "2"})
	r.Tag("v1")
	r.SetRef("refs/remotes/origin/main", c1)
	r.Branch("feature")
	r.Checkout("feature")
	c3 := r.Commit("three", map[string]string{"b.txt": "3"})
	r.Checkout("main")
	side := r.CommitFiles("side", map[string]string{"s.txt": "s"}, c2)
	r.SetRef("refs/heads/side", side)
	merge := r.Commit("merge side", map[string]string{"s.txt": "s"}, gittest.Parents(side))
	stashOnly := r.CommitFiles("wip", map[string]string{"w.txt": "w"}, merge)
	r.SetRef("refs/stash", stashOnly)
	r.SetRef("refs/pull/7/head", stashOnly)
	unknown := strings.Repeat("ab", 20)

	got, err := RefsContaining(r.Path, []string{c1.String(), c2.String(), c3.String(), side.String(), merge.String(), stashOnly.String(), unknown, "not-a-commit", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		// the root commit is in every branch and tag, through lightweight and annotated tags
		c1.String(): {"refs/heads/feature", "refs/heads/main", "refs/heads/side", "refs/remotes/origin/main", "refs/tags/v0", "refs/tags/v1"},
		c2.String(): {"refs/heads/feature", "refs/heads/main", "refs/heads/side", "refs/tags/v1"},
		// a commit only on a feature branch is only in that branch
		c3.String(): {"refs/heads/feature"},
		// a side-branch commit is in main once merged
		side.String():  {"refs/heads/main", "refs/heads/side"},
		merge.String(): {"refs/heads/main"},
		// stashes and pull-request refs are not branches or tags
		stashOnly.String(): {},
		// an id the repository does not hold is asked for, and reached by nothing
		unknown: {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RefsContaining (-want +got):\n%s", diff)
	}
}

func TestRefsContainingBareRepository(t *testing.T) {
	r := gittest.New(t)
	c1 := r.Commit("one", map[string]string{"a.txt": "1"})
	got, err := RefsContaining(gittest.Bare(t, r), []string{c1.String()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{c1.String(): {"refs/heads/main"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRefsContainingNotARepository(t *testing.T) {
	if _, err := RefsContaining(t.TempDir(), []string{strings.Repeat("a", 40)}); err == nil {
		t.Error("want an error for a directory that is not a repository")
	}
}

func TestRefsContainingManyCommits(t *testing.T) {
	// More than 64 asked commits exercises multi-word bit sets.
	r := gittest.New(t)
	var asked []string
	for i := range 130 {
		asked = append(asked, r.Commit("c", map[string]string{"f": strings.Repeat("x", i+1)}).String())
	}
	r.Branch("old")
	got, err := RefsContaining(r.Path, asked)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range asked {
		if diff := cmp.Diff([]string{"refs/heads/main", "refs/heads/old"}, got[c]); diff != "" {
			t.Fatalf("commit %s (-want +got):\n%s", c, diff)
		}
	}
}

func BenchmarkRefsContaining(b *testing.B) {
	r := gittest.New(b)
	var asked []string
	for i := range 2000 {
		h := r.Commit("c", map[string]string{"f": strings.Repeat("x", i%50+1)})
		if i%100 == 0 {
			asked = append(asked, h.String())
			r.Branch("b" + strings.Repeat("x", i/100+1))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := RefsContaining(r.Path, asked); err != nil {
			b.Fatal(err)
		}
	}
}
