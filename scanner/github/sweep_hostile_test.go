package github

import (
	"bytes"
	"context"
	"github.com/sfleak/sfleak/scanner"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfleak/sfleak/scanner/github/githubtest"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// Network faults and hostile servers: a loopback proxy in front of the fake GitHub injects
// connection resets, truncated bodies, 5xx storms, wrong content types and redirects to
// another host, per request path. The sweep must finish with every reachable repository
// scanned, every failure in Errors (one line, never the token), and the token sent to no
// other host.

// fault answers one request instead of the fake GitHub.
type fault func(w http.ResponseWriter, r *http.Request)

// reset closes the connection without an answer (RST where the platform allows).
func reset(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// truncated promises a body and breaks off half-way.
func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "4096")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `[{"id":1,"name":"api","full_name":"acme/api","clone_url":"`)
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

func status(code int) fault {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, `{"message":"server trouble"}`)
	}
}

// stall accepts the request and then says nothing (headers never come), until the client
// gives up or the test's patience ends.
func stall(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(20 * time.Second):
	}
}

// stallMidBody sends headers and the start of a body, then says nothing more.
func stallMidBody(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if strings.HasSuffix(r.URL.Path, "/info/refs") {
		w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "001e# service=git-upload-pack\n")
	w.(http.Flusher).Flush()
	stall(w, r)
}

// shortStalls makes a stalled request fail after d instead of minutes, for one test.
func shortStalls(t *testing.T, d time.Duration) {
	t.Cleanup(scanner.SetStallTimeout(d))
}

// wrongType is a captive portal or proxy error page where JSON was expected.
func wrongType(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "<html><body>Please log in to the corporate proxy</body></html>\n")
}

// faultProxy forwards to the fake GitHub, rewriting its URLs to its own, and serves queued
// faults first.
type faultProxy struct {
	srv     *httptest.Server
	backend *url.URL
	mu      sync.Mutex
	faults  map[string][]fault
}

func newFaultProxy(t *testing.T, backend *githubtest.Server) *faultProxy {
	t.Helper()
	u, _ := url.Parse(backend.URL)
	p := &faultProxy{backend: u, faults: map[string][]fault{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if l := resp.Header.Get("Link"); l != "" {
			resp.Header.Set("Link", strings.ReplaceAll(l, backend.URL, p.srv.URL))
		}
		if !strings.HasPrefix(resp.Request.URL.Path, "/api/") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = bytes.ReplaceAll(body, []byte(backend.URL), []byte(p.srv.URL))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		var f fault
		if q := p.faults[r.URL.Path]; len(q) > 0 {
			f, p.faults[r.URL.Path] = q[0], q[1:]
		}
		p.mu.Unlock()
		if f != nil {
			f(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	t.Cleanup(p.srv.CloseClientConnections)
	return p
}

func (p *faultProxy) fail(path string, fs ...fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults[path] = append(p.faults[path], fs...)
}

func (p *faultProxy) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.faults)
}

// otherHost is a server on another host name (localhost rather than 127.0.0.1) that records
// every Authorization header it is sent.
type otherHost struct {
	url  string
	mu   sync.Mutex
	auth []string
}

func newOtherHost(t *testing.T) *otherHost {
	t.Helper()
	o := &otherHost{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.auth = append(o.auth, r.Header.Get("Authorization"))
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[]")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	o.url = "http://localhost:" + port
	return o
}

func (o *otherHost) sawToken() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range o.auth {
		if a != "" {
			return true
		}
	}
	return false
}

func redirectTo(target string) fault {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusFound)
	}
}

// hostileSweep lists and sweeps the org through the proxy; it fails the test if either
// takes longer than a minute (a hang). err is ListRepos' error.
func hostileSweep(t *testing.T, o *org, p *faultProxy) (*Result, error) {
	t.Helper()
	c, err := NewClient(Options{BaseURL: p.srv.URL, Token: o.srv.Token,
		Retry: RetryPolicy{MaxAttempts: 4, Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	repos, err := c.ListRepos(ctx, Owner{Org: "acme"}, Filter{})
	if ctx.Err() != nil {
		t.Fatal("ListRepos hung")
	}
	if err != nil {
		return nil, err
	}
	sw := &Sweeper{Client: c, CacheDir: t.TempDir(), Scan: realScan(t), RulesHash: "r", Jobs: 2}
	res, err := sw.Run(ctx, repos)
	if ctx.Err() != nil {
		t.Fatal("the sweep hung")
	}
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, nil
}

// scannedRepos lists the repositories with findings and those with errors.
func scannedRepos(res *Result) (found, failed []string) {
	f, e := map[string]bool{}, map[string]bool{}
	for _, x := range res.Findings {
		f[x.Repository] = true
	}
	for _, x := range res.Errors {
		e[x.Source] = true
	}
	for k := range f {
		found = append(found, k)
	}
	for k := range e {
		failed = append(failed, k)
	}
	sort.Strings(found)
	sort.Strings(failed)
	return found, failed
}

func checkNoToken(t *testing.T, token string, res *Result, err error) {
	t.Helper()
	var all []string
	if err != nil {
		all = append(all, err.Error())
	}
	if res != nil {
		for _, e := range res.Errors {
			all = append(all, e.Source+" "+e.Message)
		}
	}
	for _, s := range all {
		if strings.Contains(s, token) {
			t.Errorf("the token appears in %q", s)
		}
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("error spans lines: %q", s)
		}
	}
}

const listPath = "/api/v3/orgs/acme/repos"

func TestSweepSurvivesAPIFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults []fault
	}{
		{"connection resets are retried", []fault{reset, reset}},
		{"a short 5xx storm is retried", []fault{status(502), status(503), status(500)}},
		{"a reset then a 502 are retried", []fault{reset, status(502)}},
		{"a stalled request (no answer) is cut off and retried", []fault{stall}},
		{"an answer that stalls mid-body is cut off and retried", []fault{stallMidBody}},
		{"a secondary rate limit is waited out", []fault{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			status(http.StatusTooManyRequests)(w, r)
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shortStalls(t, 300*time.Millisecond)
			o := newOrg(t)
			p := newFaultProxy(t, o.srv)
			p.fail(listPath, tt.faults...)
			res, err := hostileSweep(t, o, p)
			if err != nil {
				t.Fatalf("ListRepos: %v", err)
			}
			found, failed := scannedRepos(res)
			if strings.Join(found, ",") != "acme/api,acme/web" || strings.Join(failed, ",") != "acme/broken" {
				t.Errorf("found in %v, errors for %v; want acme/api,acme/web and acme/broken", found, failed)
			}
			checkNoToken(t, o.srv.Token, res, err)
		})
	}
}

func TestSweepAPIFailuresAreOneLineErrors(t *testing.T) {
	tests := []struct {
		name   string
		faults []fault
		want   string
	}{
		{"a 5xx storm longer than the retries", []fault{status(502), status(502), status(502), status(502), status(502)}, "502"},
		{"an HTML page where JSON was expected", []fault{wrongType}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrg(t)
			p := newFaultProxy(t, o.srv)
			p.fail(listPath, tt.faults...)
			res, err := hostileSweep(t, o, p)
			if err == nil {
				t.Fatalf("ListRepos succeeded (%d findings)", len(res.Findings))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
			checkNoToken(t, o.srv.Token, nil, err)
		})
	}
}

func TestSweepTruncatedListingIsRetried(t *testing.T) {
	o := newOrg(t)
	p := newFaultProxy(t, o.srv)
	p.fail(listPath, truncated)
	res, err := hostileSweep(t, o, p)
	if err != nil {
		t.Fatalf("a listing page cut off once failed the sweep: %v", err)
	}
	if found, _ := scannedRepos(res); strings.Join(found, ",") != "acme/api,acme/web" {
		t.Errorf("found in %v", found)
	}
}

func TestAPIRedirectToAnotherHostGetsNoToken(t *testing.T) {
	o := newOrg(t)
	p := newFaultProxy(t, o.srv)
	other := newOtherHost(t)
	p.fail(listPath, redirectTo(other.url))
	res, err := hostileSweep(t, o, p)
	if len(other.auth) == 0 {
		t.Fatal("the redirect was not followed at all; the test proves nothing")
	}
	if other.sawToken() {
		t.Fatal("the API token was sent to another host after a redirect")
	}
	checkNoToken(t, o.srv.Token, res, err)
}

func TestSweepSurvivesGitFaults(t *testing.T) {
	refs := func(repo string) string { return "/git/acme/" + repo + ".git/info/refs" }
	pack := func(repo string) string { return "/git/acme/" + repo + ".git/git-upload-pack" }
	cutPack := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "0008NAK\n0")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	n := func(k int, f fault) []fault {
		out := make([]fault, k)
		for i := range out {
			out[i] = f
		}
		return out
	}
	tests := []struct {
		name string
		// faults by path; failing lists the repositories that must end in Errors.
		faults  map[string][]fault
		failing []string
	}{
		{"single faults during a fetch are retried: every reachable repository is scanned",
			map[string][]fault{refs("api"): {reset}, pack("web"): {cutPack}, refs("docs"): {status(503)}},
			[]string{"acme/broken"}},
		{"faults that outlast the retries become errors naming the repository; the rest is scanned",
			map[string][]fault{refs("api"): n(4*cloneAttempts, reset), pack("web"): n(cloneAttempts, cutPack)},
			[]string{"acme/api", "acme/broken", "acme/web"}},
		{"a stalled ref discovery or pack is cut off and retried",
			map[string][]fault{refs("api"): {stall}, pack("web"): {stall}, refs("docs"): {stallMidBody}},
			[]string{"acme/broken"}},
		{"a server that stalls every time fails its repository, not the sweep",
			map[string][]fault{refs("api"): n(cloneAttempts, stall), pack("web"): n(cloneAttempts, stallMidBody)},
			[]string{"acme/api", "acme/broken", "acme/web"}},
		{"a wrong content type on ref discovery is an error, not a hang",
			map[string][]fault{refs("web"): n(cloneAttempts, wrongType)},
			[]string{"acme/broken", "acme/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shortStalls(t, 300*time.Millisecond)
			o := newOrg(t)
			p := newFaultProxy(t, o.srv)
			for path, fs := range tt.faults {
				p.fail(path, fs...)
			}
			c, err := NewClient(Options{BaseURL: p.srv.URL, Token: o.srv.Token,
				Retry: RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}})
			if err != nil {
				t.Fatal(err)
			}
			repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			cache := t.TempDir()
			sw := &Sweeper{Client: c, CacheDir: cache, Scan: realScan(t), RulesHash: "r", Jobs: 2}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := sw.Run(ctx, repos)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			found, failed := scannedRepos(res)
			if strings.Join(failed, ",") != strings.Join(tt.failing, ",") {
				t.Errorf("errors for %v, want %v (%v)", failed, tt.failing, res.Errors)
			}
			for _, want := range []string{"acme/api", "acme/web"} {
				if !contains(tt.failing, want) && !contains(found, want) {
					t.Errorf("%s was reachable but not scanned (found %v)", want, found)
				}
			}
			checkNoToken(t, o.srv.Token, res, nil)
			// No half-made clone is trusted: the next sweep, with the network healthy again,
			// reads every reachable repository.
			p.clear()
			res, err = sw.Run(context.Background(), repos)
			if err != nil {
				t.Fatal(err)
			}
			found, failed = scannedRepos(res)
			if strings.Join(found, ",") != "acme/api,acme/web" || strings.Join(failed, ",") != "acme/broken" {
				t.Errorf("after recovery: found in %v, errors for %v", found, failed)
			}
			checkCacheHasNoToken(t, cache, o.srv.Token)
		})
	}
}

func TestGitRedirectToAnotherHostGetsNoToken(t *testing.T) {
	o := newOrg(t)
	p := newFaultProxy(t, o.srv)
	other := newOtherHost(t)
	// web is private: its fetch carries the token, which must not follow the redirect.
	p.fail("/git/acme/web.git/info/refs", n3(redirectTo(other.url))...)
	res, err := hostileSweep(t, o, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(other.auth) == 0 {
		t.Fatal("the redirect was not followed at all; the test proves nothing")
	}
	if other.sawToken() {
		t.Fatal("the token was sent to another host after a git redirect")
	}
	checkNoToken(t, o.srv.Token, res, nil)
}

func n3(f fault) []fault { return []fault{f, f, f} }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkCacheHasNoToken reads every small file of the clone cache (configs, refs, logs).
func checkCacheHasNoToken(t *testing.T, cache, token string) {
	t.Helper()
	filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || fi.Size() > 1<<20 {
			return nil
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(token)) {
			t.Errorf("%s holds the token", p)
		}
		return nil
	})
}

func TestSweepRepositoryNamesCannotLeaveTheCache(t *testing.T) {
	o := newOrg(t)
	victim := gittest.New(t)
	victim.Commit("x", map[string]string{"sync.py": syncPy("victim")})
	for _, name := range []string{"..", "...", "..%2f..%2fetc"} {
		o.srv.AddRepo(githubtest.Repo{Owner: "acme", Name: name, GitDir: victim.Path + "/.git"})
	}
	c, err := NewClient(Options{BaseURL: o.srv.URL, Token: o.srv.Token})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Names the API could send that the fake cannot list.
	for _, name := range []string{"../../etc", "a/../../b", "..\\..\\x", "x\x00y", ""} {
		repos = append(repos, Repo{FullName: "acme/" + name, Owner: "acme", Name: name,
			CloneURL: o.srv.URL + "/git/acme/api.git"})
	}
	repos = append(repos, Repo{FullName: "../x", Owner: "..", Name: "x", CloneURL: o.srv.URL + "/git/acme/api.git"})
	// A well-named repository whose clone URL climbs: the cache path comes from the name.
	repos = append(repos, Repo{FullName: "acme/climb", Owner: "acme", Name: "climb",
		CloneURL: o.srv.URL + "/git/acme/../../../../etc/passwd.git"})
	parent := t.TempDir()
	cache := filepath.Join(parent, "cache")
	sw := &Sweeper{Client: c, CacheDir: cache, Scan: realScan(t), RulesHash: "r", Jobs: 2}
	res, err := sw.Run(context.Background(), repos)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing but the cache was created next to it.
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 || ents[0].Name() != "cache" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("created beside the cache: %v", names)
	}
	// Every clone lives inside the cache.
	filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && strings.HasSuffix(p, ".git") {
			rel, _ := filepath.Rel(cache, p)
			if strings.HasPrefix(rel, "..") {
				t.Errorf("clone outside the cache: %s", p)
			}
		}
		return nil
	})
	found, failed := scannedRepos(res)
	if !contains(found, "acme/api") {
		t.Errorf("the well-named repositories were not swept: found %v", found)
	}
	for _, r := range repos[len(repos)-7 : len(repos)-1] {
		if !contains(failed, r.FullName) {
			t.Errorf("no error for the hostile name %q (errors for %q)", r.FullName, failed)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "127.0.0.1_"+strings.Split(o.srv.URL, ":")[2], "acme", "climb.git")); err != nil && !contains(failed, "acme/climb") {
		t.Errorf("acme/climb neither cloned inside the cache nor reported: %v", err)
	}
	checkNoToken(t, o.srv.Token, res, nil)
}
