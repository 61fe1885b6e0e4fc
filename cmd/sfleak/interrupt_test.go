package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/github/githubtest"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// Interruption: Ctrl-C during a sweep leaves a consistent state database that the next run
// resumes from; kill -9 loses no repository (and no finding) already recorded.

// slowGitHub is a proxy in front of the fake GitHub that delays every git request, so that
// a sweep takes long enough to be interrupted between repositories.
type slowGitHub struct {
	url   string
	delay atomic.Int64 // nanoseconds per git request
}

func newSlowGitHub(t *testing.T, o *sweepOrg) *slowGitHub {
	t.Helper()
	s := &slowGitHub{}
	backend, _ := url.Parse(o.srv.URL)
	rp := httputil.NewSingleHostReverseProxy(backend)
	rp.ModifyResponse = func(resp *http.Response) error {
		if l := resp.Header.Get("Link"); l != "" {
			resp.Header.Set("Link", strings.ReplaceAll(l, o.srv.URL, s.url))
		}
		if !strings.HasPrefix(resp.Request.URL.Path, "/api/") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = bytes.ReplaceAll(body, []byte(o.srv.URL), []byte(s.url))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/git/") && strings.HasSuffix(r.URL.Path, "/info/refs") {
			select {
			case <-time.After(time.Duration(s.delay.Load())):
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// interruptOrg is the sweep test organisation plus four more leaky repositories: ten in
// all, swept one at a time in name order.
func interruptOrg(t *testing.T) *sweepOrg {
	o := newSweepOrg(t)
	for i := 1; i <= 4; i++ {
		r := gittest.New(t)
		name := "r" + strconv.Itoa(i)
		r.Commit("sync", map[string]string{"sync.py": sweepSyncPy(name)})
		o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: name, GitDir: r.Path + "/.git", Visibility: "public"})
	}
	return o
}

// stateCounts reads how many repositories and findings the state file records.
func stateCounts(t *testing.T, path string) (repos, findings int, err error) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*) FROM repos`).Scan(&repos); err != nil {
		return 0, 0, err
	}
	err = db.QueryRow(`SELECT count(*) FROM findings`).Scan(&findings)
	return repos, findings, err
}

// integrity opens the state file (recovering its WAL as any next run would) and runs
// SQLite's integrity check.
func integrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q %v", res, err)
	}
}

// recordedRepos lists the repositories the state file holds, with their finding counts.
func recordedRepos(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT r.repo, (SELECT count(*) FROM findings f WHERE f.repo = r.repo) FROM repos r`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var repo string
		var n int
		rows.Scan(&repo, &n)
		out[repo] = n
	}
	return out
}

// startSweep starts the built binary sweeping through gh and returns it running.
func startSweep(t *testing.T, bin, api, stateFile, cache, output string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, "sweep", "--github-org", "acme", "--github-url", api, "--state", stateFile,
		"--cache", cache, "--jobs", "1", "--format", "json", "--output", output)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GITHUB_TOKEN=" + sweepToken}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, &stderr
}

// waitForRepos polls the state file until it records at least n repositories.
func waitForRepos(t *testing.T, stateFile string, n int) (repos, findings int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if r, f, err := stateCounts(t, stateFile); err == nil && r >= n {
			return r, f
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the sweep recorded fewer than %d repositories in 90s", n)
	return 0, 0
}

func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("the sweep did not exit within %v", within)
		return -1
	}
}

func TestSweepInterruptedBySIGINTResumes(t *testing.T) {
	bin := buildSfleak(t)
	o := interruptOrg(t)
	gh := newSlowGitHub(t, o)
	gh.delay.Store(int64(400 * time.Millisecond))
	dir := t.TempDir()
	stateFile, cache := filepath.Join(dir, "state.db"), filepath.Join(dir, "cache")

	cmd, stderr := startSweep(t, bin, gh.url, stateFile, cache, filepath.Join(dir, "first.json"))
	waitForRepos(t, stateFile, 2)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 30*time.Second)
	if code != exitError || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("after SIGINT: exit %d, stderr %q; want 2 and \"interrupted\"", code, stderr.String())
	}
	if strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
		t.Errorf("stderr is more than one line: %q", stderr.String())
	}
	integrity(t, stateFile)
	before := recordedRepos(t, stateFile)
	if len(before) < 2 || len(before) >= 10 {
		t.Fatalf("%d repositories recorded before the interrupt; want some but not all: %v", len(before), before)
	}

	// The next run resumes: repositories recorded before are known (not new), the rest new.
	gh.delay.Store(0)
	out := filepath.Join(dir, "second.json")
	cmd, stderr = startSweep(t, bin, gh.url, stateFile, cache, out)
	if code := waitExit(t, cmd, 2*time.Minute); code != exitFindings {
		t.Fatalf("resumed sweep: exit %d\n%s", code, stderr)
	}
	integrity(t, stateFile)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	byRepo := map[string]bool{}
	for _, f := range rep.Findings {
		byRepo[f.Repository] = true
		_, wasRecorded := before[f.Repository]
		if f.New == nil || *f.New == wasRecorded {
			t.Errorf("%s %s: new=%v, recorded before the interrupt=%v", f.Repository, f.Path, f.New, wasRecorded)
		}
	}
	for _, repo := range []string{"acme/allowed", "acme/api", "acme/jobs", "acme/r1", "acme/r4", "acme/web"} {
		if !byRepo[repo] {
			t.Errorf("resumed sweep has no finding from %s", repo)
		}
	}
	if after := recordedRepos(t, stateFile); len(after) != 9 {
		t.Errorf("after the resumed sweep %d repositories recorded, want 9 (all but the broken one): %v", len(after), after)
	}
}

func TestSweepKilledLosesNothingRecorded(t *testing.T) {
	bin := buildSfleak(t)
	o := interruptOrg(t)
	gh := newSlowGitHub(t, o)
	gh.delay.Store(int64(300 * time.Millisecond))
	dir := t.TempDir()
	stateFile, cache := filepath.Join(dir, "state.db"), filepath.Join(dir, "cache")

	cmd, _ := startSweep(t, bin, gh.url, stateFile, cache, filepath.Join(dir, "first.json"))
	waitForRepos(t, stateFile, 3)
	// What is on disk just before the kill (more may land before it does, never less).
	seenBefore := recordedRepos(t, stateFile)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitExit(t, cmd, 30*time.Second)

	integrity(t, stateFile)
	after := recordedRepos(t, stateFile)
	for repo, n := range seenBefore {
		if m, ok := after[repo]; !ok || m < n {
			t.Errorf("%s: %d findings recorded before kill -9, %d (present %v) after", repo, n, m, ok)
		}
	}
	leaky := map[string]bool{"acme/allowed": true, "acme/api": true, "acme/jobs": true, "acme/web": true,
		"acme/r1": true, "acme/r2": true, "acme/r3": true, "acme/r4": true}
	for repo, n := range after {
		if leaky[repo] && n == 0 {
			t.Errorf("%s is recorded as swept with no finding: a half-written repository", repo)
		}
	}
	if len(after) >= 10 {
		t.Fatalf("all repositories finished before the kill: the test proves nothing")
	}

	// And the next run picks up from there.
	gh.delay.Store(0)
	cmd, stderr := startSweep(t, bin, gh.url, stateFile, cache, filepath.Join(dir, "second.json"))
	if code := waitExit(t, cmd, 2*time.Minute); code != exitFindings {
		t.Fatalf("sweep after kill -9: exit %d\n%s", code, stderr)
	}
	integrity(t, stateFile)
	if n := len(recordedRepos(t, stateFile)); n != 9 {
		t.Errorf("%d repositories recorded after the next sweep, want 9", n)
	}
}
