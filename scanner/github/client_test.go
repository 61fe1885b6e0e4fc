package github

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/scanner/github/githubtest"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// fakeClock records sleeps instead of sleeping, and moves its time by them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func (c *fakeClock) policy() RetryPolicy { return RetryPolicy{Now: c.Now, Sleep: c.Sleep} }

// emptyRepo is a git directory with one commit, enough for listings.
func emptyRepo(t *testing.T) string {
	r := gittest.New(t)
	r.Commit("init", map[string]string{"README.md": "hello\n"})
	return r.Path + "/.git"
}

// listingServer serves acme with five repositories (three pages of two) and a user.
func listingServer(t *testing.T) *githubtest.Server {
	s := githubtest.New(t, "tok-"+t.Name(), "octo")
	dir := emptyRepo(t)
	for _, r := range []githubtest.Repo{
		{Owner: "acme", Name: "api", Visibility: "public"},
		{Owner: "acme", Name: "billing", Visibility: "private"},
		{Owner: "acme", Name: "intranet", Visibility: "internal"},
		{Owner: "acme", Name: "fork-of-x", Fork: true},
		{Owner: "acme", Name: "old", Archived: true, Visibility: "private"},
		{Owner: "octo", Name: "dotfiles"},
		{Owner: "octo", Name: "secret-notes", Visibility: "private"},
	} {
		r.GitDir = dir
		s.AddRepo(r)
	}
	return s
}

func names(repos []Repo) []string {
	var out []string
	for _, r := range repos {
		out = append(out, r.FullName)
	}
	return out
}

func TestListRepos(t *testing.T) {
	s := listingServer(t)
	tests := []struct {
		name   string
		token  string
		owner  Owner
		filter Filter
		want   []string
	}{
		{
			name:  "an organisation's repositories across pages, without forks and archived ones",
			token: s.Token, owner: Owner{Org: "acme"},
			want: []string{"acme/api", "acme/billing", "acme/intranet"},
		},
		{
			name:  "forks and archived repositories when asked for",
			token: s.Token, owner: Owner{Org: "acme"},
			filter: Filter{IncludeForks: true, IncludeArchived: true},
			want:   []string{"acme/api", "acme/billing", "acme/fork-of-x", "acme/intranet", "acme/old"},
		},
		{
			name:  "only one visibility",
			token: s.Token, owner: Owner{Org: "acme"},
			filter: Filter{Visibility: "internal"},
			want:   []string{"acme/intranet"},
		},
		{
			name:  "a name pattern over owner/name",
			token: s.Token, owner: Owner{Org: "acme"},
			filter: Filter{Name: regexp.MustCompile(`^acme/(api|bill)`)},
			want:   []string{"acme/api", "acme/billing"},
		},
		{
			name:  "anonymous listing sees public repositories only",
			owner: Owner{Org: "acme"},
			want:  []string{"acme/api"},
		},
		{
			name:  "another user's repositories: the public listing",
			token: s.Token, owner: Owner{User: "OCTO2"},
			want: nil,
		},
		{
			name:  "the token's own user: the authenticated listing, private repositories included",
			token: s.Token, owner: Owner{User: "Octo"},
			want: []string{"octo/dotfiles", "octo/secret-notes"},
		},
		{
			name:  "a user without the token: public repositories",
			owner: Owner{User: "octo"},
			want:  []string{"octo/dotfiles"},
		},
	}
	s.AddRepo(githubtest.Repo{Owner: "octo2", Name: "private-only", Visibility: "private", GitDir: emptyRepo(t)})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(Options{BaseURL: s.URL, Token: tc.token})
			if err != nil {
				t.Fatal(err)
			}
			repos, err := c.ListRepos(context.Background(), tc.owner, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(repos)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("listing fields: clone URL, permalink base, visibility, default branch", func(t *testing.T) {
		c, _ := NewClient(Options{BaseURL: s.APIURL(), Token: s.Token})
		repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{Visibility: "private"})
		if err != nil {
			t.Fatal(err)
		}
		want := []Repo{{FullName: "acme/billing", Owner: "acme", Name: "billing",
			CloneURL: s.URL + "/git/acme/billing.git", HTMLURL: s.URL + "/acme/billing",
			DefaultBranch: "main", Visibility: "private"}}
		if diff := cmp.Diff(want, repos); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("pages are followed through the Link header", func(t *testing.T) {
		var pages []string
		for _, r := range s.Requests() {
			if r.Path == "/api/v3/orgs/acme/repos" && r.Authorization != "" {
				pages = append(pages, r.Query)
			}
		}
		if len(pages) < 3 || !strings.Contains(strings.Join(pages, " "), "page=3") {
			t.Errorf("listing requests %v: want three pages", pages)
		}
	})
}

func TestListReposErrors(t *testing.T) {
	s := listingServer(t)
	tests := []struct {
		name  string
		token string
		owner Owner
		want  string
		is    error
	}{
		{name: "a bad token is a clear error", token: "wrong", owner: Owner{Org: "acme"},
			want: "401 Bad credentials", is: ErrBadCredentials},
		{name: "a bad token for a user listing too", token: "wrong", owner: Owner{User: "octo"},
			want: "check GITHUB_TOKEN", is: ErrBadCredentials},
		{name: "an unknown organisation", token: s.Token, owner: Owner{Org: "nobody"},
			want: `organisation "nobody" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := NewClient(Options{BaseURL: s.URL, Token: tc.token})
			_, err := c.ListRepos(context.Background(), tc.owner, Filter{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v; want errors.Is %v", err, tc.is)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), tc.token) && tc.token != "" {
				t.Errorf("err = %q: want one line without the token", err)
			}
		})
	}
}

func TestRateLimitsAndRetries(t *testing.T) {
	const path = "/api/v3/orgs/acme/repos"
	tests := []struct {
		name       string
		faults     func(clock *fakeClock) []githubtest.Fault
		wantSleeps func(clock *fakeClock, start time.Time) []time.Duration
		wantSay    string
	}{
		{
			name:   "a 502 is retried after a backoff",
			faults: func(*fakeClock) []githubtest.Fault { return []githubtest.Fault{githubtest.BadGateway()} },
			wantSleeps: func(*fakeClock, time.Time) []time.Duration {
				return []time.Duration{time.Second}
			},
			wantSay: "answered 502",
		},
		{
			name: "repeated 5xx back off exponentially",
			faults: func(*fakeClock) []githubtest.Fault {
				return []githubtest.Fault{githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway()}
			},
			wantSleeps: func(*fakeClock, time.Time) []time.Duration {
				return []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
			},
		},
		{
			name: "a secondary rate limit waits Retry-After",
			faults: func(*fakeClock) []githubtest.Fault {
				return []githubtest.Fault{githubtest.SecondaryLimited(7)}
			},
			wantSleeps: func(*fakeClock, time.Time) []time.Duration { return []time.Duration{7 * time.Second} },
			wantSay:    "secondary rate limit",
		},
		{
			name: "a secondary rate limit without Retry-After waits a minute",
			faults: func(*fakeClock) []githubtest.Fault {
				f := githubtest.SecondaryLimited(0)
				delete(f.Header, "Retry-After")
				return []githubtest.Fault{f}
			},
			wantSleeps: func(*fakeClock, time.Time) []time.Duration { return []time.Duration{time.Minute} },
		},
		{
			name: "the primary rate limit waits until the reset time",
			faults: func(c *fakeClock) []githubtest.Fault {
				return []githubtest.Fault{githubtest.RateLimited(c.Now().Add(90 * time.Second))}
			},
			wantSleeps: func(c *fakeClock, start time.Time) []time.Duration {
				reset := time.Unix(start.Add(90*time.Second).Unix(), 0).Add(time.Second)
				return []time.Duration{reset.Sub(start)}
			},
			wantSay: "rate limit to reset",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := listingServer(t)
			clock := newFakeClock()
			start := clock.Now()
			s.FailNext(path, tc.faults(clock)...)
			var said []string
			var mu sync.Mutex
			c, err := NewClient(Options{BaseURL: s.URL, Token: s.Token, Retry: clock.policy(),
				Notify: func(msg string) { mu.Lock(); said = append(said, msg); mu.Unlock() }})
			if err != nil {
				t.Fatal(err)
			}
			repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) != 3 {
				t.Errorf("got %d repositories after the fault; want 3", len(repos))
			}
			if diff := cmp.Diff(tc.wantSleeps(clock, start), clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tc.wantSay != "" && !strings.Contains(strings.Join(said, "|"), tc.wantSay) {
				t.Errorf("status messages %q: want one saying %q", said, tc.wantSay)
			}
		})
	}

	t.Run("the last request of a window makes the next one wait for the reset", func(t *testing.T) {
		s := listingServer(t)
		s.RemainingAfter = 1 // the first page's answer says 0 remaining
		s.ResetIn = time.Hour
		clock := newFakeClock()
		c, _ := NewClient(Options{BaseURL: s.URL, Token: s.Token, Retry: clock.policy()})
		repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(repos) != 3 {
			t.Errorf("got %d repositories; want 3", len(repos))
		}
		sleeps := clock.Sleeps()
		if len(sleeps) == 0 || sleeps[0] < 50*time.Minute {
			t.Errorf("sleeps %v: want a wait of about an hour before the second page", sleeps)
		}
	})

	t.Run("5xx beyond the attempt budget is an error naming the host", func(t *testing.T) {
		s := listingServer(t)
		s.FailNext(path, githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway())
		clock := newFakeClock()
		p := clock.policy()
		p.MaxAttempts = 3
		c, _ := NewClient(Options{BaseURL: s.URL, Token: s.Token, Retry: p})
		_, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
		if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), c.APIHost()) {
			t.Fatalf("err = %v; want a 502 naming %s", err, c.APIHost())
		}
		if got := len(clock.Sleeps()); got != 2 {
			t.Errorf("%d backoffs; want 2 (three attempts)", got)
		}
	})

	t.Run("a rate limit that never lifts becomes an error", func(t *testing.T) {
		s := listingServer(t)
		clock := newFakeClock()
		var fs []githubtest.Fault
		for range 5 {
			fs = append(fs, githubtest.RateLimited(clock.Now().Add(time.Minute)))
		}
		s.FailNext(path, fs...)
		p := clock.policy()
		p.MaxWaits = 3
		c, _ := NewClient(Options{BaseURL: s.URL, Token: s.Token, Retry: p})
		_, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
		if err == nil || !strings.Contains(err.Error(), "rate limit") {
			t.Fatalf("err = %v; want a rate-limit error", err)
		}
	})
}

// recordingTransport answers 200 and remembers the requests.
type recordingTransport struct{ reqs []*http.Request }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.reqs = append(r.reqs, req)
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestTokenGoesOnlyToTheAPIHost(t *testing.T) {
	rec := &recordingTransport{}
	at := &authTransport{host: "ghe.example.com", token: "s3cr3t-token", next: rec}
	for _, u := range []string{"https://ghe.example.com/api/v3/orgs/a/repos", "https://evil.example.net/x", "https://ghe.example.com.evil.net/"} {
		req, _ := http.NewRequest("GET", u, nil)
		if _, err := at.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	got := []string{}
	for _, r := range rec.reqs {
		got = append(got, r.URL.Host+"="+r.Header.Get("Authorization"))
	}
	want := []string{"ghe.example.com=Bearer s3cr3t-token", "evil.example.net=", "ghe.example.com.evil.net="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	c, err := NewClient(Options{Token: "s3cr3t-token"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url  string
		auth bool
	}{
		{"https://github.com/acme/api.git", true},
		{"https://api.github.com/acme/api.git", false},
		{"https://gitlab.com/acme/api.git", false},
		{"git@github.com:acme/api.git", false},
	} {
		if got := c.GitAuth(tc.url) != nil; got != tc.auth {
			t.Errorf("GitAuth(%s) sends the token: %v; want %v", tc.url, got, tc.auth)
		}
	}
	if got := c.Scrub("fetch https://x-access-token:s3cr3t-token@github.com failed"); strings.Contains(got, "s3cr3t-token") {
		t.Errorf("Scrub left the token: %q", got)
	}
}

func TestShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/3", Shard{1, 3}, true},
		{" 3/3 ", Shard{3, 3}, true},
		{"1/1", Shard{1, 1}, true},
		{"0/3", Shard{}, false},
		{"4/3", Shard{}, false},
		{"1/0", Shard{}, false},
		{"-1/3", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	// Every repository lands in exactly one shard, and the parts are not wildly uneven.
	const n = 4
	counts := make([]int, n)
	for i := range 400 {
		name := "acme/repo-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i%10)) + "-" + time.Duration(i).String()
		hits := 0
		for k := 1; k <= n; k++ {
			if (Shard{k, n}).Contains(name) {
				hits++
				counts[k-1]++
			}
		}
		if hits != 1 {
			t.Fatalf("%s is in %d shards", name, hits)
		}
	}
	for k, c := range counts {
		if c < 50 {
			t.Errorf("shard %d/%d has %d of 400 repositories", k+1, n, c)
		}
	}
	if !(Shard{}).Contains("any/thing") {
		t.Error("the zero Shard must hold everything")
	}
	if (Shard{2, 3}).Contains("Acme/API") != (Shard{2, 3}).Contains("acme/api") {
		t.Error("shard assignment must not depend on the case GitHub reports a name in")
	}
}

// cutBody makes the first answer's body fail half-way, like a connection reset mid-page.
type cutBody struct {
	next http.RoundTripper
	mu   sync.Mutex
	done bool
}

type failingReader struct{ data []byte }

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func (c *cutBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || c.done {
		return resp, err
	}
	c.done = true
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(&failingReader{data: body[:len(body)/2]})
	return resp, nil
}

func TestListingPageCutOffIsRetried(t *testing.T) {
	s := listingServer(t)
	clock := newFakeClock()
	c, err := NewClient(Options{BaseURL: s.URL, Token: s.Token, Retry: clock.policy(),
		Transport: &cutBody{next: http.DefaultTransport}})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := c.ListRepos(context.Background(), Owner{Org: "acme"}, Filter{})
	if err != nil {
		t.Fatalf("a page cut off once failed the listing: %v", err)
	}
	if len(repos) != 3 || len(clock.Sleeps()) != 1 {
		t.Errorf("%d repositories after %v backoffs; want 3 after one", len(repos), clock.Sleeps())
	}
}
