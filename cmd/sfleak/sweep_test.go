package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/github"
	"github.com/sfleak/sfleak/scanner/github/githubtest"
	"github.com/sfleak/sfleak/scanner/gittest"
)

func init() {
	// Retries in tests back off without waiting.
	sweepRetry = github.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
}

// sweepToken is the fake GitHub's token: long and unique, so a leak into any output shows.
var sweepToken = "ghp_" + strings.Repeat("Zq9", 12)

func sweepSyncPy(seed string) string {
	return "# salesforce billing sync\nimport requests\n\n" +
		"client_id = \"" + fakecred.ConsumerKey(seed) + "\"\n" +
		"client_secret = \"" + fakecred.ConsumerSecret(seed) + "\"\n"
}

// sweepOrg is a fake GitHub organisation "acme" with six repositories.
type sweepOrg struct {
	srv *githubtest.Server
	api *gittest.Repo
}

func newSweepOrg(t *testing.T) *sweepOrg {
	t.Helper()
	o := &sweepOrg{srv: githubtest.New(t, sweepToken, "octo")}
	add := func(name, vis string, commits ...map[string]string) *gittest.Repo {
		r := gittest.New(t)
		for i, files := range commits {
			r.Commit("commit "+string(rune('a'+i)), files)
		}
		o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: name, GitDir: r.Path + "/.git", Visibility: vis})
		return r
	}
	o.api = add("api", "public",
		map[string]string{"README.md": "# api\n"},
		map[string]string{"integrations/sync.py": sweepSyncPy("api")})
	add("web", "private",
		map[string]string{"conf/sf.py": sweepSyncPy("web")},
		map[string]string{"conf/sf.py": gittest.Deleted})
	add("jobs", "internal", map[string]string{"etl/load.py": sweepSyncPy("jobs")})
	add("docs", "public", map[string]string{"index.md": "nothing\n"})
	// The repository's own config tries to hide its leak from the security team.
	add("allowed", "private", map[string]string{
		".sfleak.toml":         "[allowlist]\npaths = [\"integrations/**\"]\n",
		"integrations/sync.py": sweepSyncPy("allowed"),
		"inline.py":            "# salesforce\nclient_secret = \"" + fakecred.ConsumerSecret("inline") + "\"  # sfleak:allow\n",
	})
	add("broken", "public", map[string]string{"a.txt": "x\n"})
	o.srv.Update("acme/broken", func(r *githubtest.Repo) { r.Broken = true })
	return o
}

type cliRun struct {
	code           int
	stdout, stderr string
}

func runSweepCLI(t *testing.T, terminal bool, environ map[string]string, args ...string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return environ[k] }, stderrIsTerminal: terminal}
	code := run(context.Background(), args, e)
	return cliRun{code, stdout.String(), stderr.String()}
}

func decodeReport(t *testing.T, s string) *report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, s)
	}
	return &r
}

func TestSweepCLI(t *testing.T) {
	o := newSweepOrg(t)
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	cache := filepath.Join(dir, "cache")
	environ := map[string]string{"GITHUB_TOKEN": sweepToken}
	base := []string{"sweep", "--github-org", "acme", "--github-url", o.srv.URL, "--state", stateFile,
		"--cache", cache, "--format", "json", "--jobs", "2"}

	first := runSweepCLI(t, false, environ, base...)
	if first.code != exitFindings {
		t.Fatalf("first sweep exit %d; want 1\nstderr: %s", first.code, first.stderr)
	}
	r1 := decodeReport(t, first.stdout)
	byRepo := map[string]int{}
	for _, f := range r1.Findings {
		byRepo[f.Repository]++
		if f.New == nil || !*f.New {
			t.Errorf("%s %s: new %v; want true on the first sweep", f.Repository, f.Path, f.New)
		}
		if !strings.HasPrefix(f.URL, o.srv.URL+"/"+f.Repository+"/blob/"+f.Commit+"/") || !strings.HasSuffix(f.URL, "#L"+strconv.Itoa(f.Line)) {
			t.Errorf("%s %s: url %q", f.Repository, f.Path, f.URL)
		}
		if f.Visibility == "" || f.DefaultBranch != "main" {
			t.Errorf("%s: visibility %q default branch %q", f.Repository, f.Visibility, f.DefaultBranch)
		}
	}
	for _, repo := range []string{"acme/api", "acme/web", "acme/jobs", "acme/allowed"} {
		if byRepo[repo] == 0 {
			t.Errorf("no finding from %s (findings by repository: %v)", repo, byRepo)
		}
	}
	if len(r1.Errors) != 1 || r1.Errors[0].Source != "acme/broken" {
		t.Errorf("errors %+v: want acme/broken's clone failure only", r1.Errors)
	}
	if r1.Stats.Repositories != 5 || r1.Stats.Blobs == 0 {
		t.Errorf("stats %+v", r1.Stats)
	}
	if len(r1.Exposures) == 0 {
		t.Error("no exposures: the key+secret pairs should form credential sets")
	}

	second := runSweepCLI(t, false, environ, base...)
	r2 := decodeReport(t, second.stdout)
	if r2.Stats.Blobs != 0 {
		t.Errorf("second sweep read %d blobs; want 0 (nothing pushed)", r2.Stats.Blobs)
	}
	if diff := cmp.Diff(fingerprints(r1), fingerprints(r2)); diff != "" {
		t.Errorf("second sweep findings differ (-first +second):\n%s", diff)
	}
	for _, f := range r2.Findings {
		if f.New == nil || *f.New {
			t.Errorf("second sweep: %s %s new %v; want false", f.Repository, f.Path, f.New)
		}
	}
	if len(r2.Exposures) != len(r1.Exposures) {
		t.Errorf("second sweep: %d exposures, first %d", len(r2.Exposures), len(r1.Exposures))
	}

	o.api.Commit("more", map[string]string{"jobs/token.py": "# salesforce\nrefresh_token = \"" + fakecred.RefreshToken("new") + "\"\n"})
	third := runSweepCLI(t, false, environ, base...)
	r3 := decodeReport(t, third.stdout)
	var fresh []string
	for _, f := range r3.Findings {
		if *f.New {
			fresh = append(fresh, f.Repository+":"+f.Path)
		}
	}
	onlyToken := len(fresh) > 0
	for _, f := range fresh {
		onlyToken = onlyToken && f == "acme/api:jobs/token.py"
	}
	if !onlyToken {
		t.Errorf("third sweep new findings %v; want only acme/api:jobs/token.py", fresh)
	}
	t.Logf("blobs read: first %d, second %d, third %d", r1.Stats.Blobs, r2.Stats.Blobs, r3.Stats.Blobs)

	t.Run("the token is in no output, clone config or error", func(t *testing.T) {
		for i, out := range []cliRun{first, second, third} {
			if strings.Contains(out.stdout+out.stderr, sweepToken) {
				t.Errorf("run %d output holds the token", i+1)
			}
		}
		filepath.Walk(cache, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(sweepToken)) {
					t.Errorf("%s holds the token", path)
				}
			}
			return nil
		})
		for _, req := range o.srv.Requests() {
			if strings.HasPrefix(req.Path, "/api/") && req.Authorization != "Bearer "+sweepToken {
				t.Errorf("API request %s without the token", req.Path)
			}
		}
	})

	t.Run("a repository's own allowlist and inline comments only mark findings suppressed", func(t *testing.T) {
		suppressed := 0
		for _, f := range r1.Findings {
			if f.Repository == "acme/allowed" {
				if !f.Suppressed {
					t.Errorf("acme/allowed %s: not suppressed", f.Path)
				}
				suppressed++
			}
		}
		if suppressed < 2 {
			t.Errorf("%d suppressed findings in acme/allowed; want the allowlisted file's and the inline one", suppressed)
		}
		only := runSweepCLI(t, false, environ, "sweep", "--github-org", "acme", "--github-url", o.srv.URL,
			"--repo", "^acme/allowed$", "--format", "json")
		if only.code != exitOK {
			t.Errorf("only suppressed findings: exit %d; want 0\n%s", only.code, only.stderr)
		}
		if n := len(decodeReport(t, only.stdout).Findings); n != suppressed {
			t.Errorf("without --trust-repo-config %d findings; want %d, kept", n, suppressed)
		}
		trusted := runSweepCLI(t, false, environ, "sweep", "--github-org", "acme", "--github-url", o.srv.URL,
			"--repo", "^acme/allowed$", "--format", "json", "--trust-repo-config")
		if n := len(decodeReport(t, trusted.stdout).Findings); n != 0 || trusted.code != exitOK {
			t.Errorf("with --trust-repo-config: %d findings, exit %d; want none, 0", n, trusted.code)
		}
	})
}

// fingerprints lists a report's findings as fingerprint@line, sorted.
func fingerprints(r *report.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Fingerprint+"@"+f.Repository+":"+f.Path+":"+strconv.Itoa(f.Line))
	}
	sort.Strings(out)
	return out
}

func TestSweepShardsAndMerge(t *testing.T) {
	o := newSweepOrg(t)
	environ := map[string]string{"GITHUB_TOKEN": sweepToken}
	dir := t.TempDir()
	sweep := func(extra ...string) string {
		out := filepath.Join(dir, strings.ReplaceAll("report"+strings.Join(extra, ""), "/", "of")+".json")
		args := append([]string{"sweep", "--github-org", "acme", "--github-url", o.srv.URL, "--format", "json", "--output", out}, extra...)
		res := runSweepCLI(t, false, environ, args...)
		if res.code == exitError {
			t.Fatalf("sweep %v: exit 2: %s", extra, res.stderr)
		}
		return out
	}
	all := sweep()
	var shards []string
	repos := map[string]int{}
	for i := 1; i <= 3; i++ {
		path := sweep("--shard", strconv.Itoa(i)+"/3")
		shards = append(shards, path)
		data, _ := os.ReadFile(path)
		seen := map[string]bool{}
		r := decodeReport(t, string(data))
		for _, f := range r.Findings {
			seen[f.Repository] = true
		}
		for _, e := range r.Errors {
			seen[e.Source] = true
		}
		for repo := range seen {
			repos[repo]++
		}
	}
	for repo, n := range repos {
		if n != 1 {
			t.Errorf("%s in %d shards", repo, n)
		}
	}
	if len(repos) != 5 {
		t.Errorf("shards cover %d repositories with findings or errors; want 5", len(repos))
	}

	merged := runSweepCLI(t, false, nil, append([]string{"merge", "--format", "json"}, shards...)...)
	if merged.code != exitFindings {
		t.Fatalf("merge exit %d: %s", merged.code, merged.stderr)
	}
	data, _ := os.ReadFile(all)
	want, got := decodeReport(t, string(data)), decodeReport(t, merged.stdout)
	if diff := cmp.Diff(fingerprints(want), fingerprints(got)); diff != "" {
		t.Errorf("merged shards vs unsharded findings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Errors, got.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if len(got.Exposures) != len(want.Exposures) {
		t.Errorf("merged %d exposures; unsharded %d", len(got.Exposures), len(want.Exposures))
	}
	for i := range want.Exposures {
		if i < len(got.Exposures) && (want.Exposures[i].RiskScore != got.Exposures[i].RiskScore || len(want.Exposures[i].Findings) != len(got.Exposures[i].Findings)) {
			t.Errorf("exposure %d: merged %+v; unsharded %+v", i, got.Exposures[i], want.Exposures[i])
		}
	}
	if got.Stats.Repositories != want.Stats.Repositories || got.Stats.Blobs != want.Stats.Blobs {
		t.Errorf("merged stats %+v; unsharded %+v", got.Stats, want.Stats)
	}
	// Merging a merge, or the same shard twice, changes nothing.
	again := runSweepCLI(t, false, nil, append([]string{"merge", "--format", "json"}, append(shards, shards[0])...)...)
	if diff := cmp.Diff(fingerprints(got), fingerprints(decodeReport(t, again.stdout))); diff != "" {
		t.Errorf("a shard merged twice (-once +twice):\n%s", diff)
	}
}

func TestSweepUsageAndInputErrors(t *testing.T) {
	o := newSweepOrg(t)
	bad := filepath.Join(t.TempDir(), "shard2.json")
	os.WriteFile(bad, []byte("{\"findings\": [ truncated"), 0o644)
	good := filepath.Join(t.TempDir(), "shard1.json")
	os.WriteFile(good, []byte(`{"tool":{"name":"sfleak"},"findings":[],"exposures":[],"errors":[],"stats":{}}`), 0o644)
	environ := map[string]string{"GITHUB_TOKEN": sweepToken}
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		want    string
	}{
		{"neither org nor user", environ, []string{"sweep"}, "want exactly one of --github-org"},
		{"both org and user", environ, []string{"sweep", "--github-org", "a", "--github-user", "b"}, "want exactly one of --github-org"},
		{"a shard number of 0", environ, []string{"sweep", "--github-org", "a", "--shard", "0/3"}, `--shard "0/3"`},
		{"a shard above its count", environ, []string{"sweep", "--github-org", "a", "--shard", "4/3"}, `--shard "4/3"`},
		{"a shard that is not I/N", environ, []string{"sweep", "--github-org", "a", "--shard", "two"}, `--shard "two"`},
		{"an unknown visibility", environ, []string{"sweep", "--github-org", "a", "--visibility", "secret"}, `--visibility "secret"`},
		{"a bad repository pattern", environ, []string{"sweep", "--github-org", "a", "--repo", "("}, `--repo "("`},
		{"a positional argument", environ, []string{"sweep", "--github-org", "a", "."}, "sweep takes no PATH"},
		{"a bad --github-url", environ, []string{"sweep", "--github-org", "a", "--github-url", "ftp://x"}, "--github-url"},
		{"a bad token", map[string]string{"GITHUB_TOKEN": "ghp_wrongwrongwrong"},
			[]string{"sweep", "--github-org", "acme", "--github-url", o.srv.URL}, "401 Bad credentials"},
		{"an unknown organisation", environ, []string{"sweep", "--github-org", "nobody", "--github-url", o.srv.URL}, `organisation "nobody" not found`},
		{"merge of a report that is not JSON", nil, []string{"merge", good, bad}, "shard2.json: not a JSON report"},
		{"merge of a missing report", nil, []string{"merge", filepath.Join(t.TempDir(), "nope.json")}, "nope.json"},
		{"merge of nothing", nil, []string{"merge"}, "no REPORT.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runSweepCLI(t, false, tc.environ, tc.args...)
			if res.code != exitError {
				t.Errorf("exit %d; want 2", res.code)
			}
			if !strings.Contains(res.stderr, tc.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
				t.Errorf("stderr %q: want one line containing %q", res.stderr, tc.want)
			}
			if strings.Contains(res.stderr, "wrongwrong") || strings.Contains(res.stderr, sweepToken) {
				t.Errorf("stderr quotes a token: %q", res.stderr)
			}
		})
	}
}

func TestSweepSaysWhenWaitingForRateLimits(t *testing.T) {
	o := newSweepOrg(t)
	o.srv.FailNext("/api/v3/orgs/acme/repos", githubtest.SecondaryLimited(3), githubtest.BadGateway())
	var slept []time.Duration
	old := sweepRetry
	sweepRetry = github.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}}
	t.Cleanup(func() { sweepRetry = old })
	res := runSweepCLI(t, false, map[string]string{"GITHUB_TOKEN": sweepToken},
		"sweep", "--github-org", "acme", "--github-url", o.srv.URL, "--repo", "docs", "--format", "json")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "secondary rate limit") || !strings.Contains(res.stderr, "502") {
		t.Errorf("stderr %q: want the waits explained", res.stderr)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second, time.Second}, slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	// On a terminal the bar carries the message instead.
	o.srv.FailNext("/api/v3/orgs/acme/repos", githubtest.SecondaryLimited(1))
	res = runSweepCLI(t, true, map[string]string{"GITHUB_TOKEN": sweepToken},
		"sweep", "--github-org", "acme", "--github-url", o.srv.URL, "--repo", "docs", "--format", "json")
	if res.code != exitOK || strings.Contains(res.stderr, "sfleak sweep:") || !strings.Contains(res.stderr, "secondary rate limit") {
		t.Errorf("terminal run: exit %d, stderr %q; want the wait in the bar's description", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, sweepToken) {
		t.Error("the progress bar shows the token")
	}
}
