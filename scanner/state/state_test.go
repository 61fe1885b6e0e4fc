package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
)

var (
	t0 = time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	t1 = t0.Add(24 * time.Hour)
	t2 = t1.Add(24 * time.Hour)
)

func openStore(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// finding builds a finding the way the scanner does: raw secret in Raw, fingerprint over it.
func finding(repo, path, seed string, inHead bool) report.Finding {
	raw := fakecred.ConsumerSecret(seed)
	return report.Finding{
		RuleID: "sf-consumer-secret", Severity: "critical", Repository: repo, Path: path, Line: 3,
		Commit: strings.Repeat("a", 40), InHead: inHead, Raw: raw, Secret: raw,
		RawKey: fakecred.ConsumerKey(seed), ConsumerKey: fakecred.ConsumerKey(seed),
		Fingerprint: report.Fingerprint("sf-consumer-secret", raw, repo, path),
		Credential:  report.CredentialID(raw),
	}
}

func hash(n int) plumbing.Hash { return plumbing.NewHash(fmt.Sprintf("%040x", n)) }

func TestSaveAndRepo(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)

	st, err := s.Repo(ctx, "acme/api")
	if err != nil || st.Swept {
		t.Fatalf("a never-swept repository: got %+v, %v; want zero state", st, err)
	}
	refs := map[string]string{"refs/heads/main": hash(1).String(), "refs/tags/v1": hash(2).String()}
	if err := s.Save(ctx, Update{Repository: "acme/api", Time: t0, Head: hash(1).String(), Refs: refs,
		RulesHash: "r1", Blobs: map[plumbing.Hash]bool{hash(10): false, hash(11): true}, Complete: true}); err != nil {
		t.Fatal(err)
	}
	st, err = s.Repo(ctx, "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	want := RepoState{Swept: true, SweptAt: t0, Head: hash(1).String(), Refs: refs, RulesHash: "r1"}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Repo after Save (-want +got):\n%s", diff)
	}
	blobs, err := s.SeenBlobs(ctx, "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[plumbing.Hash]bool{hash(10): false, hash(11): true}, blobs); diff != "" {
		t.Errorf("SeenBlobs (-want +got):\n%s", diff)
	}
	if other, _ := s.SeenBlobs(ctx, "acme/web"); len(other) != 0 {
		t.Errorf("blobs leak across repositories: %v", other)
	}

	// A later sweep adds blobs; ResetBlobs (rules changed) forgets the old ones.
	if err := s.Save(ctx, Update{Repository: "acme/api", Time: t1, Refs: refs, Blobs: map[plumbing.Hash]bool{hash(12): false}}); err != nil {
		t.Fatal(err)
	}
	if blobs, _ = s.SeenBlobs(ctx, "acme/api"); len(blobs) != 3 {
		t.Errorf("blobs accumulate across sweeps: got %d, want 3", len(blobs))
	}
	if err := s.Save(ctx, Update{Repository: "acme/api", Time: t2, Refs: refs, ResetBlobs: true, Blobs: map[plumbing.Hash]bool{hash(13): true}}); err != nil {
		t.Fatal(err)
	}
	if blobs, _ = s.SeenBlobs(ctx, "acme/api"); len(blobs) != 1 || !blobs[hash(13)] {
		t.Errorf("ResetBlobs keeps only this sweep's blobs: got %v", blobs)
	}
}

func TestFindingLifecycle(t *testing.T) {
	ctx := context.Background()
	a := finding("acme/api", "sync.py", "a", true)
	b := finding("acme/api", "old.py", "b", false)
	aRemoved := a
	aRemoved.InHead = false

	tests := []struct {
		name  string
		steps []Update
		want  map[string]Record // by fingerprint; Finding not compared
	}{
		{
			name: "a finding first seen keeps its first-seen time and moves last-seen",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{a}, Complete: true},
				{Time: t1, Head: "h1", Findings: []report.Finding{a}, Complete: true},
			},
			want: map[string]Record{a.Fingerprint: {FirstSeen: t0, LastSeen: t1, InHead: true}},
		},
		{
			name: "a finding only in history is recorded as removed when first seen",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{b}, Complete: true},
			},
			want: map[string]Record{b.Fingerprint: {FirstSeen: t0, LastSeen: t0, RemovedAt: t0, RemovedCommit: "h0"}},
		},
		{
			name: "a finding that leaves HEAD is recorded as removed at that sweep, not deleted",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{a}, Complete: true},
				{Time: t1, Head: "h1", Findings: []report.Finding{aRemoved}, Complete: true},
				{Time: t2, Head: "h2", Findings: []report.Finding{aRemoved}, Complete: true},
			},
			want: map[string]Record{a.Fingerprint: {FirstSeen: t0, LastSeen: t2, RemovedAt: t1, RemovedCommit: "h1"}},
		},
		{
			name: "a finding back in HEAD is no longer removed",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{aRemoved}, Complete: true},
				{Time: t1, Head: "h1", Findings: []report.Finding{a}, Complete: true},
			},
			want: map[string]Record{a.Fingerprint: {FirstSeen: t0, LastSeen: t1, InHead: true}},
		},
		{
			name: "a complete sweep that no longer finds a finding marks it gone and removed",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{a, b}, Complete: true},
				{Time: t1, Head: "h1", Findings: []report.Finding{b}, Complete: true},
			},
			want: map[string]Record{
				a.Fingerprint: {FirstSeen: t0, LastSeen: t0, RemovedAt: t1, RemovedCommit: "h1", Gone: true},
				b.Fingerprint: {FirstSeen: t0, LastSeen: t1, RemovedAt: t0, RemovedCommit: "h0"},
			},
		},
		{
			name: "an incomplete sweep (repository unchanged) leaves unlisted findings alone",
			steps: []Update{
				{Time: t0, Head: "h0", Findings: []report.Finding{a, b}, Complete: true},
				{Time: t1, Head: "h0"},
			},
			want: map[string]Record{
				a.Fingerprint: {FirstSeen: t0, LastSeen: t0, InHead: true},
				b.Fingerprint: {FirstSeen: t0, LastSeen: t0, RemovedAt: t0, RemovedCommit: "h0"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t)
			for _, u := range tc.steps {
				u.Repository = "acme/api"
				if err := s.Save(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			st, err := s.Repo(ctx, "acme/api")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Record{}
			for _, r := range st.Findings {
				if r.Finding.InHead != r.InHead {
					t.Errorf("%s: stored JSON in_head %v, column %v", r.Path, r.Finding.InHead, r.InHead)
				}
				got[r.Fingerprint] = Record{FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, RemovedAt: r.RemovedAt,
					RemovedCommit: r.RemovedCommit, InHead: r.InHead, Gone: r.Gone}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStoredFindingIsRedacted(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	f := finding("acme/api", "sync.py", "redact", true)
	if err := s.Save(ctx, Update{Repository: "acme/api", Time: t0, Findings: []report.Finding{f}, Complete: true}); err != nil {
		t.Fatal(err)
	}
	recs, err := s.Occurrences(ctx, f.Fingerprint)
	if err != nil || len(recs) != 1 {
		t.Fatalf("Occurrences: %v, %v", recs, err)
	}
	got := recs[0].Finding
	if got.Secret != report.Redact(f.Raw) || got.ConsumerKey != report.Redact(f.RawKey) {
		t.Errorf("stored secret %q, key %q: want the redacted forms", got.Secret, got.ConsumerKey)
	}
	if got.Raw != "" || got.RawKey != "" {
		t.Error("stored finding carries raw values")
	}
	if got.Path != "sync.py" || got.Credential != f.Credential || got.Fingerprint != f.Fingerprint {
		t.Errorf("stored finding lost report fields: %+v", got)
	}
	s.Close()
	// Every byte the database wrote: the main file, WAL and shared memory.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(path + suffix)
		if err != nil {
			continue
		}
		for _, secret := range []string{f.Raw, f.RawKey} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds a raw secret", filepath.Base(path+suffix))
			}
		}
	}
}

func TestQueries(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	// The same secret committed to two repositories: one credential, two fingerprints.
	inAPI := finding("acme/api", "sync.py", "shared", true)
	inWeb := finding("acme/web", "conf/sf.py", "shared", false)
	other := finding("acme/web", "x.py", "other", true)
	for _, u := range []Update{
		{Repository: "acme/api", Time: t0, Findings: []report.Finding{inAPI}, Complete: true},
		{Repository: "acme/web", Time: t1, Findings: []report.Finding{inWeb, other}, Complete: true},
	} {
		if err := s.Save(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	byCred, err := s.FindingsByCredential(ctx, inAPI.Credential)
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, r := range byCred {
		where = append(where, r.Repository+":"+r.Path)
	}
	if diff := cmp.Diff([]string{"acme/api:sync.py", "acme/web:conf/sf.py"}, where); diff != "" {
		t.Errorf("FindingsByCredential (-want +got):\n%s", diff)
	}
	occ, err := s.Occurrences(ctx, inWeb.Fingerprint)
	if err != nil || len(occ) != 1 || occ[0].Repository != "acme/web" || occ[0].InHead {
		t.Errorf("Occurrences(%s) = %+v, %v", inWeb.Fingerprint, occ, err)
	}
	if none, err := s.Occurrences(ctx, "nope"); err != nil || len(none) != 0 {
		t.Errorf("Occurrences of an unknown fingerprint = %v, %v; want none", none, err)
	}
}

func TestFailedSaveChangesNothing(t *testing.T) {
	s, path := openStore(t)
	f := finding("acme/api", "sync.py", "x", true)
	if err := s.Save(context.Background(), Update{Repository: "acme/api", Time: t0, Head: "h0",
		Refs: map[string]string{"refs/heads/main": "h0"}, Findings: []report.Finding{f}, Complete: true}); err != nil {
		t.Fatal(err)
	}
	// A sweep interrupted mid-repository: its context is cancelled during Save.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	blobs := map[plumbing.Hash]bool{}
	for i := range 500 {
		blobs[hash(i)] = false
	}
	if err := s.Save(ctx, Update{Repository: "acme/api", Time: t1, Head: "h1",
		Refs: map[string]string{"refs/heads/main": "h1"}, Blobs: blobs, Complete: true}); err == nil {
		t.Fatal("Save with a cancelled context succeeded")
	}
	s.Close()
	// Reopen: the store is as the last complete sweep left it.
	s2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	st, err := s2.Repo(context.Background(), "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	if st.Head != "h0" || st.Refs["refs/heads/main"] != "h0" || len(st.Findings) != 1 || st.Findings[0].Gone {
		t.Errorf("after a failed save: %+v", st)
	}
	if b, _ := s2.SeenBlobs(context.Background(), "acme/api"); len(b) != 0 {
		t.Errorf("a failed save left %d blobs", len(b))
	}
}

func TestConcurrentSaves(t *testing.T) {
	s, _ := openStore(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			repo := fmt.Sprintf("acme/r%d", i)
			errs <- s.Save(context.Background(), Update{Repository: repo, Time: t0,
				Blobs: map[plumbing.Hash]bool{hash(i): true}, Findings: []report.Finding{finding(repo, "a.py", "c", true)}, Complete: true})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	recs, err := s.FindingsByCredential(context.Background(), report.CredentialID(fakecred.ConsumerSecret("c")))
	if err != nil || len(recs) != 8 {
		t.Errorf("after 8 concurrent saves: %d records, %v", len(recs), err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openStore(t)
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open of a newer schema: %v; want an error naming the file", err)
	}
}

func TestReconcile(t *testing.T) {
	a := finding("acme/api", "sync.py", "a", true)
	b := finding("acme/api", "old.py", "b", true)
	c := finding("acme/api", "new.py", "c", true)
	known := []Record{
		{Fingerprint: a.Fingerprint, InHead: true, Finding: Redacted(a)},
		{Fingerprint: b.Fingerprint, InHead: true, Finding: Redacted(b)},
	}
	type out struct {
		Path   string
		New    bool
		InHead bool
	}
	tests := []struct {
		name     string
		scanned  []report.Finding
		complete bool
		want     []out
	}{
		{
			name: "an unchanged repository reports every known finding as not new",
			want: []out{{"sync.py", false, true}, {"old.py", false, true}},
		},
		{
			name:     "a scan that finds a new fingerprint marks only it new",
			scanned:  []report.Finding{a, b, c},
			complete: true,
			want:     []out{{"sync.py", false, true}, {"old.py", false, true}, {"new.py", true, true}},
		},
		{
			name:     "a known finding a complete scan no longer produces is kept, out of HEAD",
			scanned:  []report.Finding{a},
			complete: true,
			want:     []out{{"sync.py", false, true}, {"old.py", false, false}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []out
			for _, f := range Reconcile(known, tc.scanned, tc.complete) {
				if f.New == nil {
					t.Fatalf("%s: New unset", f.Path)
				}
				got = append(got, out{f.Path, *f.New, f.InHead})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
