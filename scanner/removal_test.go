package scanner

import (
	"context"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/scanner/gittest"
)

func TestFindRemoval(t *testing.T) {
	secret := fakecred.ConsumerSecret("removal")
	key := fakecred.ConsumerKey("removal")
	line := func(v string) string { return "SF_CONSUMER_SECRET=" + v + "\n" }
	type want struct {
		inHead, onHead      bool
		removed, introduced string // names of commits in the built map; "" for nil
	}
	tests := []struct {
		name   string
		build  func(r *gittest.Repo) map[string]plumbing.Hash
		values []string
		want   want
	}{
		{
			name: "a secret still in HEAD is in_head with no removal",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				return map[string]plumbing.Hash{"add": r.Commit("add", map[string]string{"a.env": line(secret)})}
			},
			values: []string{secret},
			want:   want{inHead: true, onHead: true},
		},
		{
			name: "removal is the commit after which no path holds the secret, not the first path's deletion",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				return map[string]plumbing.Hash{
					"add":      r.Commit("add", map[string]string{"a.env": line(secret)}),
					"copy":     r.Commit("copy", map[string]string{"b/c.env": line(secret)}),
					"edit":     r.Commit("edit around it", map[string]string{"a.env": "X=1\n" + line(secret)}),
					"delete a": r.Commit("delete a", map[string]string{"a.env": gittest.Deleted}),
					"scrub b":  r.Commit("scrub b", map[string]string{"b/c.env": "SF_CONSUMER_SECRET=\n"}),
					"later":    r.Commit("later", map[string]string{"z.txt": "z"}),
				}
			},
			values: []string{secret},
			want:   want{onHead: true, removed: "scrub b", introduced: "add"},
		},
		{
			name: "a re-added secret is removed by the last removal, introduced by the re-adding",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				return map[string]plumbing.Hash{
					"add":     r.Commit("add", map[string]string{"a.env": line(secret)}),
					"remove":  r.Commit("remove", map[string]string{"a.env": gittest.Deleted}),
					"re-add":  r.Commit("re-add", map[string]string{"x.env": line(secret)}),
					"remove2": r.Commit("remove again", map[string]string{"x.env": gittest.Deleted}),
				}
			},
			values: []string{secret},
			want:   want{onHead: true, removed: "remove2", introduced: "re-add"},
		},
		{
			name: "the paired key keeps the credential set in HEAD after the secret is gone",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				return map[string]plumbing.Hash{
					"add":  r.Commit("add", map[string]string{"a.env": line(secret) + "KEY=" + key + "\n"}),
					"drop": r.Commit("drop secret", map[string]string{"a.env": "KEY=" + key + "\n"}),
				}
			},
			values: []string{secret, key},
			want:   want{inHead: true, onHead: true},
		},
		{
			name: "a secret only on a feature branch was never on HEAD's history",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				base := r.Commit("base", map[string]string{"r.md": "hi"})
				r.Branch("feature")
				r.Checkout("feature")
				r.Commit("leak", map[string]string{"a.env": line(secret)})
				r.Checkout("main")
				r.Commit("more", map[string]string{"r.md": "hi2"})
				return map[string]plumbing.Hash{"base": base}
			},
			values: []string{secret},
			want:   want{},
		},
		{
			name: "a secret merged from a side branch enters main with the merge",
			build: func(r *gittest.Repo) map[string]plumbing.Hash {
				base := r.Commit("base", map[string]string{"r.md": "hi"})
				side := r.CommitFiles("side leak", map[string]string{"r.md": "hi", "a.env": line(secret)}, base)
				m := r.Commit("merge", map[string]string{"a.env": line(secret)}, gittest.Parents(side))
				rm := r.Commit("remove", map[string]string{"a.env": gittest.Deleted})
				return map[string]plumbing.Hash{"merge": m, "remove": rm}
			},
			values: []string{secret},
			want:   want{onHead: true, removed: "remove", introduced: "merge"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			commits := tt.build(r)
			got, err := FindRemoval(context.Background(), r.Path, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if got.InHead != tt.want.inHead || got.OnHeadHistory != tt.want.onHead {
				t.Errorf("in_head=%v on_head=%v, want %v %v", got.InHead, got.OnHeadHistory, tt.want.inHead, tt.want.onHead)
			}
			check := func(what string, ref *CommitRef, name string) {
				t.Helper()
				switch {
				case name == "" && ref != nil:
					t.Errorf("%s = %s, want nil", what, ref.Hash)
				case name != "" && ref == nil:
					t.Errorf("%s = nil, want %q", what, name)
				case name != "" && ref.Hash != commits[name].String():
					t.Errorf("%s = %s, want %q (%s)", what, ref.Hash, name, commits[name])
				}
			}
			check("removed", got.Removed, tt.want.removed)
			check("introduced", got.Introduced, tt.want.introduced)
			if got.Removed != nil && got.Removed.Date.IsZero() {
				t.Error("removal without a date")
			}
			if got.Head.Hash != r.Head().String() {
				t.Errorf("head = %s, want %s", got.Head.Hash, r.Head())
			}
		})
	}
}

func TestFindRemovalRefusesShortValues(t *testing.T) {
	r := gittest.New(t)
	r.Commit("a", map[string]string{"a": "abc"})
	if _, err := FindRemoval(context.Background(), r.Path, []string{"abc"}); err == nil {
		t.Error("want an error: a 3-byte value would match anything")
	}
}
