package github

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner"
	"github.com/sfleak/sfleak/scanner/github/githubtest"
	"github.com/sfleak/sfleak/scanner/gittest"
	"github.com/sfleak/sfleak/scanner/state"
)

// syncPy is an integration script with a consumer key and secret, as leaked in the wild.
func syncPy(seed string) string {
	return "# salesforce billing sync\nimport requests\n\n" +
		"client_id = \"" + fakecred.ConsumerKey(seed) + "\"\n" +
		"client_secret = \"" + fakecred.ConsumerSecret(seed) + "\"\n"
}

// realScan wires the real scanner and the built-in rules, as cmd/sfleak does.
func realScan(t *testing.T) ScanFunc {
	t.Helper()
	cfg, err := detectors.LoadConfig(detectors.ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := detectors.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, req ScanRequest) (*ScanResult, error) {
		res, err := scanner.Scan(ctx, req.Dir, eng, scanner.Options{
			Repository: req.Repo.FullName, SkipBlob: req.SkipBlob, ScannedBlob: req.ScannedBlob, Jobs: 2})
		if err != nil {
			return nil, err
		}
		return &ScanResult{Findings: res.Findings, Errors: res.Errors, Stats: res.Stats}, nil
	}
}

// org is a fake GitHub organisation with repositories whose histories hold secrets.
type org struct {
	srv  *githubtest.Server
	api  *gittest.Repo // public: a secret in HEAD
	web  *gittest.Repo // private: a secret committed, then deleted
	docs *gittest.Repo // public: nothing to find
}

func newOrg(t *testing.T) *org {
	t.Helper()
	o := &org{srv: githubtest.New(t, "ghp_"+strings.Repeat("T", 36), "octo")}
	o.api = gittest.New(t)
	o.api.Commit("add readme", map[string]string{"README.md": "# api\n"})
	o.api.Commit("billing sync", map[string]string{"integrations/sync.py": syncPy("api")})
	o.api.Branch("release")
	o.api.Tag("v1.0.0")

	o.web = gittest.New(t)
	o.web.Commit("oops", map[string]string{"conf/sf.py": syncPy("web"), "index.html": "<html></html>\n"})
	o.web.Commit("remove credentials", map[string]string{"conf/sf.py": gittest.Deleted})

	o.docs = gittest.New(t)
	o.docs.Commit("docs", map[string]string{"docs/index.md": "nothing to see\n"})

	o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: "api", GitDir: o.api.Path + "/.git"})
	o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: "web", GitDir: o.web.Path + "/.git", Visibility: "private"})
	o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: "docs", GitDir: o.docs.Path + "/.git"})
	// A repository the listing names but whose clone fails.
	o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: "broken", GitDir: o.docs.Path + "/.git", Broken: true})
	return o
}

type sweepEnv struct {
	client *Client
	cache  string
	store  state.Store
	scan   ScanFunc
	clock  time.Time
}

func (o *org) sweep(t *testing.T, e *sweepEnv, shard Shard) *Result {
	t.Helper()
	repos, err := e.client.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{Shard: shard})
	if err != nil {
		t.Fatal(err)
	}
	e.clock = e.clock.Add(24 * time.Hour)
	now := e.clock
	sw := &Sweeper{Client: e.client, CacheDir: e.cache, Scan: e.scan, Store: e.store, RulesHash: "rules-1",
		Jobs: 2, Now: func() time.Time { return now }}
	res, err := sw.Run(context.Background(), repos)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func newSweepEnv(t *testing.T, o *org, withState bool) *sweepEnv {
	t.Helper()
	c, err := NewClient(Options{BaseURL: o.srv.URL, Token: o.srv.Token, Retry: newFakeClock().policy()})
	if err != nil {
		t.Fatal(err)
	}
	e := &sweepEnv{client: c, cache: t.TempDir(), scan: realScan(t), clock: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)}
	if withState {
		st, err := state.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		e.store = st
	}
	return e
}

// summary is a finding reduced to what the sweep decides.
type summary struct {
	Repo, Rule, Path string
	InHead           bool
	New              string
}

func summarise(fs []report.Finding) []summary {
	var out []summary
	for _, f := range fs {
		n := "-"
		if f.New != nil {
			n = map[bool]string{true: "new", false: "known"}[*f.New]
		}
		out = append(out, summary{f.Repository, f.RuleID, f.Path, f.InHead, n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Repo != b.Repo {
			return a.Repo < b.Repo
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Rule < b.Rule
	})
	return out
}

func TestSweepIncremental(t *testing.T) {
	o := newOrg(t)
	e := newSweepEnv(t, o, true)

	// First sweep: everything is new.
	first := o.sweep(t, e, Shard{})
	want := []summary{
		{"acme/api", "sf-consumer-key", "integrations/sync.py", true, "new"},
		{"acme/api", "sf-consumer-secret", "integrations/sync.py", true, "new"},
		{"acme/web", "sf-consumer-key", "conf/sf.py", false, "new"},
		{"acme/web", "sf-consumer-secret", "conf/sf.py", false, "new"},
	}
	if diff := cmp.Diff(want, summarise(first.Findings)); diff != "" {
		t.Fatalf("first sweep (-want +got):\n%s", diff)
	}
	if len(first.Errors) != 1 || first.Errors[0].Source != "acme/broken" || !strings.HasPrefix(first.Errors[0].Message, "clone: ") {
		t.Errorf("errors %+v: want one clone error for acme/broken", first.Errors)
	}
	if first.Stats.Repositories != 3 || first.Stats.Blobs == 0 {
		t.Errorf("first sweep stats %+v: want 3 repositories read and blobs scanned", first.Stats)
	}
	for _, f := range first.Findings {
		wantURL := o.srv.URL + "/" + f.Repository + "/blob/" + f.Commit + "/" + f.Path + "#L"
		if !strings.HasPrefix(f.URL, wantURL) || f.Line == 0 {
			t.Errorf("%s:%s url %q; want a permalink %s<line>", f.Repository, f.Path, f.URL, wantURL)
		}
		wantVis := map[string]string{"acme/api": "public", "acme/web": "private"}[f.Repository]
		if f.Visibility != wantVis || f.DefaultBranch != "main" {
			t.Errorf("%s: visibility %q, default branch %q", f.Repository, f.Visibility, f.DefaultBranch)
		}
	}
	t.Logf("first sweep: %s", first)

	// Second sweep, nothing pushed: no blob read, nothing new, the same findings.
	second := o.sweep(t, e, Shard{})
	if second.Stats.Blobs != 0 || second.Skipped != 3 {
		t.Errorf("second sweep read %d blobs, skipped %d repositories; want 0 and 3", second.Stats.Blobs, second.Skipped)
	}
	for i := range want {
		want[i].New = "known"
	}
	if diff := cmp.Diff(want, summarise(second.Findings)); diff != "" {
		t.Errorf("second sweep (-want +got):\n%s", diff)
	}
	t.Logf("second sweep: %s", second)

	// A new commit with a new secret: only that one is new; only new and matched blobs read.
	o.api.Commit("jwt job", map[string]string{"jobs/refresh.py": "# salesforce\nrefresh_token = \"" + fakecred.RefreshToken("api2") + "\"\n"})
	third := o.sweep(t, e, Shard{})
	var newOnes []summary
	for _, s := range summarise(third.Findings) {
		if s.New == "new" {
			newOnes = append(newOnes, s)
		}
	}
	if len(newOnes) == 0 || newOnes[0].Path != "jobs/refresh.py" || len(newOnes) != countPath(third.Findings, "jobs/refresh.py") {
		t.Errorf("third sweep new findings %+v: want only jobs/refresh.py", newOnes)
	}
	if third.Skipped != 2 {
		t.Errorf("third sweep skipped %d repositories; want 2 (web, docs)", third.Skipped)
	}
	// Read: the new blob, plus the blob that held findings (rescanned to re-attribute it).
	if third.Stats.Blobs == 0 || third.Stats.Blobs > 3 {
		t.Errorf("third sweep read %d blobs; want only the new and the matched ones (1–3)", third.Stats.Blobs)
	}
	t.Logf("third sweep: %s", third)

	// The secret deleted from HEAD: reported out of HEAD, recorded as removed.
	o.api.Commit("rotate: remove literal", map[string]string{"integrations/sync.py": gittest.Deleted})
	fourth := o.sweep(t, e, Shard{})
	for _, f := range fourth.Findings {
		if f.Repository == "acme/api" && f.Path == "integrations/sync.py" && (f.InHead || *f.New) {
			t.Errorf("after deletion: %s in_head %v new %v; want out of HEAD, known", f.RuleID, f.InHead, *f.New)
		}
	}
	st, err := e.store.Repo(context.Background(), "acme/api")
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, r := range st.Findings {
		if r.Path == "integrations/sync.py" {
			if r.RemovedAt.IsZero() || r.InHead || r.RemovedCommit != o.api.Head().String() {
				t.Errorf("state for %s: removed %v at %s, in_head %v; want removed at the deleting commit", r.RuleID, r.RemovedAt, r.RemovedCommit, r.InHead)
			}
			removed++
		}
	}
	if removed != 2 {
		t.Errorf("%d removed records for sync.py; want 2", removed)
	}
	if len(fourth.Findings) != len(third.Findings) {
		t.Errorf("fourth sweep has %d findings, third %d: a removal must not drop a finding", len(fourth.Findings), len(third.Findings))
	}

	// The token is nowhere in the cache (remote URLs, config) nor in any error.
	assertNoToken(t, o.srv.Token, e.cache)
	for _, r := range [][]report.Error{first.Errors, second.Errors, third.Errors, fourth.Errors} {
		for _, er := range r {
			if strings.Contains(er.Message+er.Source, o.srv.Token) {
				t.Errorf("error quotes the token: %+v", er)
			}
		}
	}
	cfg, err := os.ReadFile(filepath.Join(e.cache, strings.ReplaceAll(strings.TrimPrefix(o.srv.URL, "http://"), ":", "_"), "acme", "web.git", "config"))
	if err != nil || !strings.Contains(string(cfg), o.srv.URL+"/git/acme/web.git") {
		t.Errorf("cached clone config %q, %v: want the plain clone URL", cfg, err)
	}
}

func countPath(fs []report.Finding, path string) int {
	n := 0
	for _, f := range fs {
		if f.Path == path {
			n++
		}
	}
	return n
}

func assertNoToken(t *testing.T, token, dir string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), token) {
			t.Errorf("%s holds the token", path)
		}
		return nil
	})
}

func TestSweepWithoutState(t *testing.T) {
	o := newOrg(t)
	e := newSweepEnv(t, o, false)
	first := o.sweep(t, e, Shard{})
	second := o.sweep(t, e, Shard{})
	for _, f := range append(first.Findings, second.Findings...) {
		if f.New != nil {
			t.Fatalf("%s: new set without a state store", f.Path)
		}
	}
	if len(first.Findings) != 4 || len(second.Findings) != 4 {
		t.Errorf("findings %d then %d; want 4 each (a full sweep every time)", len(first.Findings), len(second.Findings))
	}
	if second.Stats.Blobs != first.Stats.Blobs {
		t.Errorf("blobs %d then %d: without state every sweep reads everything", first.Stats.Blobs, second.Stats.Blobs)
	}
	// The cached clones were fetched into, not cloned again: git-upload-pack was asked
	// for refs both times, and the clone directory survived.
	if _, err := os.Stat(filepath.Join(e.cache, strings.ReplaceAll(strings.TrimPrefix(o.srv.URL, "http://"), ":", "_"), "acme", "api.git", "HEAD")); err != nil {
		t.Errorf("cached clone: %v", err)
	}
}

func TestSweepShardsCoverEveryRepositoryOnce(t *testing.T) {
	o := newOrg(t)
	all := o.sweep(t, newSweepEnv(t, o, false), Shard{})
	seen := map[string]int{}
	var union []report.Finding
	var errs []report.Error
	for i := 1; i <= 3; i++ {
		res := o.sweep(t, newSweepEnv(t, o, false), Shard{i, 3})
		repos := map[string]bool{}
		for _, f := range res.Findings {
			repos[f.Repository] = true
		}
		for _, er := range res.Errors {
			repos[er.Source] = true
		}
		for r := range repos {
			seen[r]++
		}
		union = append(union, res.Findings...)
		errs = append(errs, res.Errors...)
	}
	for r, n := range seen {
		if n != 1 {
			t.Errorf("%s swept by %d shards", r, n)
		}
	}
	if diff := cmp.Diff(summarise(all.Findings), summarise(union)); diff != "" {
		t.Errorf("union of shards vs unsharded (-want +got):\n%s", diff)
	}
	if len(errs) != len(all.Errors) {
		t.Errorf("shards report %d errors, unsharded %d", len(errs), len(all.Errors))
	}
}

func TestPermalink(t *testing.T) {
	r := Repo{HTMLURL: "https://github.com/acme/api", DefaultBranch: "main"}
	for _, tc := range []struct {
		commit, path string
		line         int
		want         string
	}{
		{"abc123", "src/sync.py", 4, "https://github.com/acme/api/blob/abc123/src/sync.py#L4"},
		{"abc123", "dir with space/ü#1.py", 2, "https://github.com/acme/api/blob/abc123/dir%20with%20space/%C3%BC%231.py#L2"},
		{"", "a.py", 1, "https://github.com/acme/api/blob/main/a.py#L1"},
		{"abc123", "a.py", 0, "https://github.com/acme/api/blob/abc123/a.py"},
		{"abc123", "", 3, ""},
	} {
		if got := Permalink(r, tc.commit, tc.path, tc.line); got != tc.want {
			t.Errorf("Permalink(%q, %q, %d) = %q; want %q", tc.commit, tc.path, tc.line, got, tc.want)
		}
	}
}

func TestSweepEmptyRepository(t *testing.T) {
	o := newOrg(t)
	empty := gittest.New(t) // no commit at all
	o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: "empty", GitDir: empty.Path + "/.git"})
	e := newSweepEnv(t, o, true)
	res := o.sweep(t, e, Shard{})
	for _, er := range res.Errors {
		if er.Source == "acme/empty" {
			t.Errorf("an empty repository is an error: %+v", er)
		}
	}
	if res.Stats.Repositories != 4 {
		t.Errorf("read %d repositories; want 4 (empty included)", res.Stats.Repositories)
	}
	st, err := e.store.Repo(context.Background(), "acme/empty")
	if err != nil || !st.Swept {
		t.Errorf("state of the empty repository: %+v, %v; want swept", st, err)
	}
}

func TestSweepKilledHalfWayResumes(t *testing.T) {
	o := newOrg(t)
	e := newSweepEnv(t, o, true)
	repos, err := e.client.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Killed while scanning the second repository (repositories go in name order, one at a
	// time): acme/api is finished, acme/docs is not.
	ctx, cancel := context.WithCancel(context.Background())
	scans := 0
	real := e.scan
	sw := &Sweeper{Client: e.client, CacheDir: e.cache, Store: e.store, RulesHash: "rules-1", Jobs: 1,
		Scan: func(ctx context.Context, req ScanRequest) (*ScanResult, error) {
			scans++
			if scans == 2 {
				cancel()
				return nil, ctx.Err()
			}
			return real(ctx, req)
		}}
	if _, err := sw.Run(ctx, repos); err == nil {
		t.Fatal("a killed sweep reported success")
	}
	for name, swept := range map[string]bool{"acme/api": true, "acme/docs": false, "acme/web": false} {
		st, err := e.store.Repo(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Swept != swept {
			t.Errorf("%s recorded %v after the kill; want %v", name, st.Swept, swept)
		}
	}
	// The next sweep does the rest and does not read acme/api again.
	sw.Scan = real
	res, err := sw.Run(context.Background(), repos)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 1 {
		t.Errorf("resumed sweep skipped %d repositories; want 1 (acme/api)", res.Skipped)
	}
	for _, f := range res.Findings {
		if want := f.Repository != "acme/api"; *f.New != want {
			t.Errorf("%s %s: new %v; want %v", f.Repository, f.Path, *f.New, want)
		}
	}
}

func TestSweepRetriesATransientCloneFailure(t *testing.T) {
	o := newOrg(t)
	// The first two fetches of acme/api's refs fail with 500; the third works.
	o.srv.FailNext("/git/acme/api.git/info/refs", githubtest.Fault{Status: 500, Body: "oops"}, githubtest.Fault{Status: 502, Body: "oops"})
	// acme/web fails three times: beyond the budget.
	o.srv.FailNext("/git/acme/web.git/info/refs", githubtest.Fault{Status: 500}, githubtest.Fault{Status: 500}, githubtest.Fault{Status: 500})
	e := newSweepEnv(t, o, false)
	res := o.sweep(t, e, Shard{})
	var failed []string
	for _, er := range res.Errors {
		failed = append(failed, er.Source)
	}
	sort.Strings(failed)
	if diff := cmp.Diff([]string{"acme/broken", "acme/web"}, failed); diff != "" {
		t.Errorf("failed repositories (-want +got):\n%s", diff)
	}
	if countPath(res.Findings, "integrations/sync.py") != 2 {
		t.Errorf("acme/api was not swept after two transient failures: %+v", summarise(res.Findings))
	}
	// A repository that keeps failing is tried cloneAttempts times, no more.
	n := 0
	for _, r := range o.srv.Requests() {
		if r.Path == "/git/acme/broken.git/info/refs" {
			n++
		}
	}
	if n != cloneAttempts {
		t.Errorf("acme/broken (500 every time) was fetched %d times; want %d", n, cloneAttempts)
	}
}
