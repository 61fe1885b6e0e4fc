// Package githubtest is a GitHub on loopback for sweep tests: an httptest server speaking the
// REST calls sweeps use (organisation, user and authenticated-user repository listings with
// Link-header pagination and rate-limit headers, GET /user) under /api/v3 as GitHub
// Enterprise Server does, and serving real git repositories over smart HTTP through
// `git http-backend` (net/http/cgi). Faults (a rate limit, a secondary limit, a 5xx, a
// repository that cannot be cloned) are queued per request path.
package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Repo is one repository the server lists and serves.
type Repo struct {
	Owner, Name string
	// GitDir is the repository's git directory (a bare repository, or a work tree's .git),
	// served live: commits made after the server started are fetched by the next sweep.
	GitDir        string
	Visibility    string // public (default), private or internal
	Fork          bool
	Archived      bool
	DefaultBranch string // default main
	// Broken makes every git request for the repository fail with 500.
	Broken bool
}

// FullName is owner/name.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// Fault is an answer served instead of the real one, once.
type Fault struct {
	Status int
	Header map[string]string
	Body   string
}

// RateLimited is the primary rate limit: 403 with X-RateLimit-Remaining 0 until reset.
func RateLimited(reset time.Time) Fault {
	return Fault{Status: http.StatusForbidden, Header: map[string]string{
		"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
		Body: `{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`}
}

// SecondaryLimited is a secondary rate limit: 403 with Retry-After.
func SecondaryLimited(retryAfter int) Fault {
	return Fault{Status: http.StatusForbidden, Header: map[string]string{"Retry-After": strconv.Itoa(retryAfter)},
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// BadGateway is a transient 502.
func BadGateway() Fault {
	return Fault{Status: http.StatusBadGateway, Body: "<html>502 Bad Gateway</html>"}
}

// Server is the fake GitHub.
type Server struct {
	*httptest.Server
	// Token is the only token the server accepts ("" accepts anonymous requests only).
	Token string
	// Login is the user the token belongs to (GET /user).
	Login string
	// PerPage caps page sizes, so that small tests still paginate (default 2).
	PerPage int
	// RemainingAfter, when set, makes the listing answer after this many API requests carry
	// X-RateLimit-Remaining 0 with a reset ResetIn later (the window's last request).
	RemainingAfter int
	ResetIn        time.Duration

	t        testing.TB
	root     string
	mu       sync.Mutex
	repos    map[string]*Repo // by full name
	faults   map[string][]Fault
	log      []Request
	apiCalls int
}

// Request is one request the server saw.
type Request struct {
	Method, Path, Query string
	// Authorization is the header as sent (tests check where the token went).
	Authorization string
	Status        int
}

// New starts a server; it is closed when the test ends.
func New(t testing.TB, token, login string) *Server {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found: smart HTTP needs git http-backend")
	}
	s := &Server{Token: token, Login: login, PerPage: 2, t: t, root: t.TempDir(),
		repos: map[string]*Repo{}, faults: map[string][]Fault{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// APIURL is the value for --github-url.
func (s *Server) APIURL() string { return s.URL + "/api/v3/" }

// AddRepo lists and serves r.
func (s *Server) AddRepo(r Repo) {
	s.t.Helper()
	if r.Visibility == "" {
		r.Visibility = "public"
	}
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	dir := filepath.Join(s.root, r.Owner)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	link := filepath.Join(dir, r.Name+".git")
	os.Remove(link)
	if err := os.Symlink(r.GitDir, link); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[r.FullName()] = &r
}

// Update changes a served repository (its visibility, Broken…).
func (s *Server) Update(fullName string, change func(*Repo)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s.repos[fullName])
}

// FailNext queues faults for a path (e.g. "/api/v3/orgs/acme/repos"): each request to it takes
// the next one until none are left.
func (s *Server) FailNext(path string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], faults...)
}

// Requests returns what the server saw so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// statusRecorder keeps the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"), Status: rec.status})
		s.mu.Unlock()
	}()
	s.mu.Lock()
	var fault *Fault
	if q := s.faults[r.URL.Path]; len(q) > 0 {
		fault = &q[0]
		s.faults[r.URL.Path] = q[1:]
	}
	s.mu.Unlock()
	if fault != nil {
		for k, v := range fault.Header {
			rec.Header().Set(k, v)
		}
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(fault.Status)
		fmt.Fprint(rec, fault.Body)
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v3/"):
		s.serveAPI(rec, r, strings.TrimPrefix(r.URL.Path, "/api/v3"))
	case strings.HasPrefix(r.URL.Path, "/git/"):
		s.serveGit(rec, r)
	default:
		http.NotFound(rec, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// authenticated says whether the request carries the server's token; ok false means a bad
// token (401 sent).
func (s *Server) authenticated(w http.ResponseWriter, r *http.Request) (authed, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false, true
	}
	if s.Token != "" && (h == "Bearer "+s.Token || h == "token "+s.Token) {
		return true, true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials",
		"documentation_url": "https://docs.github.com/rest"})
	return false, false
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, path string) {
	authed, ok := s.authenticated(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.apiCalls++
	calls := s.apiCalls
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", "5000")
	remaining := 4999 - calls
	if s.RemainingAfter > 0 && calls >= s.RemainingAfter {
		remaining = 0
	}
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(s.ResetIn).Unix(), 10))

	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "user":
		if !authed {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Requires authentication"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": s.Login, "id": 1})
	case len(parts) == 2 && parts[0] == "user" && parts[1] == "repos":
		if !authed {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Requires authentication"})
			return
		}
		s.list(w, r, s.Login, "users", true)
	case len(parts) == 3 && parts[0] == "orgs" && parts[2] == "repos":
		s.list(w, r, parts[1], "orgs", authed)
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "repos":
		// GitHub's public user listing never includes private repositories.
		s.list(w, r, parts[1], "users", false)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// list serves one page of owner's repositories, with a Link header for the next and last.
func (s *Server) list(w http.ResponseWriter, r *http.Request, owner, kind string, private bool) {
	s.mu.Lock()
	var repos []Repo
	found := false
	for _, repo := range s.repos {
		if !strings.EqualFold(repo.Owner, owner) {
			continue
		}
		found = true
		if repo.Visibility != "public" && !private {
			continue
		}
		repos = append(repos, *repo)
	}
	s.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].FullName() < repos[j].FullName() })
	per := s.PerPage
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && n > 0 && n < per {
		per = n
	}
	page := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 {
		page = n
	}
	last := max((len(repos)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(repos)), min(page*per, len(repos))
	var links []string
	link := func(p int, rel string) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		links = append(links, fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL, r.URL.Path, q.Encode(), rel))
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if page > 1 {
		link(page-1, "prev")
		link(1, "first")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := make([]map[string]any, 0, hi-lo)
	for _, repo := range repos[lo:hi] {
		out = append(out, map[string]any{
			"id": len(out) + 1, "name": repo.Name, "full_name": repo.FullName(),
			"owner":          map[string]any{"login": repo.Owner},
			"private":        repo.Visibility != "public",
			"visibility":     repo.Visibility,
			"fork":           repo.Fork,
			"archived":       repo.Archived,
			"default_branch": repo.DefaultBranch,
			"html_url":       s.URL + "/" + repo.FullName(),
			"clone_url":      s.URL + "/git/" + repo.FullName() + ".git",
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// serveGit runs git http-backend for /git/<owner>/<name>.git/…; private and internal
// repositories need HTTP basic auth with the token as password.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/git/")
	owner, tail, _ := strings.Cut(rest, "/")
	name, _, _ := strings.Cut(tail, ".git")
	s.mu.Lock()
	repo, ok := s.repos[owner+"/"+name]
	var cp Repo
	if ok {
		cp = *repo
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if cp.Broken {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if cp.Visibility != "public" {
		user, pass, has := r.BasicAuth()
		if !has || s.Token == "" || pass != s.Token || user == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
	}
	h := &cgi.Handler{
		Path: gitPath(),
		Args: []string{"http-backend"},
		Root: "/git",
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			// The test user owns the repositories, but git checks ownership of each path.
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=safe.directory", "GIT_CONFIG_VALUE_0=*",
		},
	}
	h.ServeHTTP(w, r)
}

func gitPath() string {
	if p, err := exec.LookPath("git"); err == nil {
		return p
	}
	return "/usr/bin/git"
}
