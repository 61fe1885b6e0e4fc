// Package github enumerates a GitHub organisation's or user's repositories (github.com or
// GitHub Enterprise Server), keeps bare clones of them up to date, and sweeps them: each
// repository is fetched, scanned by an injected scanner (only blobs not scanned before when a
// state store is given) and its findings carry a permalink, the repository's visibility and
// its default branch.
//
// The token is sent to the configured API host (and, for cloning, its web host) only; it is
// never stored in a clone's configuration, an error or the report.
package github

import (
	"context"
	"errors"
	"fmt"
	"github.com/sfleak/sfleak/scanner"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gh "github.com/google/go-github/v60/github"
)

// Options configure a Client.
type Options struct {
	// BaseURL is the REST API base: empty for github.com, else a GitHub Enterprise Server
	// URL (https://ghe.example.com; "/api/v3/" is added when missing).
	BaseURL string
	// Token authenticates API calls and clones (from GITHUB_TOKEN; never a flag). Empty:
	// anonymous, public repositories only.
	Token string
	// Transport is the HTTP transport underneath (default http.DefaultTransport).
	Transport http.RoundTripper
	// Retry tunes rate-limit waits and retries.
	Retry RetryPolicy
	// Notify receives one-line status messages while the client waits (a rate limit, a
	// retry); "" when the wait is over. It may be nil.
	Notify func(msg string)
}

// Client talks to one GitHub API host.
type Client struct {
	gh      *gh.Client
	token   string
	apiHost string // host:port of the API
	gitHost string // host:port clone URLs must have for the token to go with them
	retry   RetryPolicy
}

// ErrBadCredentials is returned when the API refuses the token (HTTP 401).
var ErrBadCredentials = errors.New("GitHub refused the token (401 Bad credentials): check GITHUB_TOKEN")

// NewClient returns a client for opts.BaseURL.
func NewClient(opts Options) (*Client, error) {
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	policy := opts.Retry.withDefaults()
	api, err := url.Parse("https://api.github.com/")
	if err != nil {
		return nil, err
	}
	if opts.BaseURL != "" {
		api, err = url.Parse(opts.BaseURL)
		if err != nil || (api.Scheme != "http" && api.Scheme != "https") || api.Host == "" {
			return nil, fmt.Errorf("--github-url %q: want an http(s) URL", opts.BaseURL)
		}
	}
	c := &Client{token: opts.Token, apiHost: api.Host, gitHost: api.Host, retry: policy}
	if strings.EqualFold(api.Hostname(), "api.github.com") {
		c.gitHost = "github.com"
	}
	scanner.GuardGitHTTP()
	auth := &authTransport{host: api.Host, token: opts.Token, next: scanner.StallGuard{Next: base}}
	httpClient := &http.Client{Transport: &retryTransport{next: auth, policy: policy, notify: opts.Notify}}
	c.gh = gh.NewClient(httpClient)
	if opts.BaseURL != "" {
		c.gh, err = c.gh.WithEnterpriseURLs(opts.BaseURL, opts.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("--github-url %q: %v", opts.BaseURL, err)
		}
	}
	c.gh.UserAgent = "sfleak"
	return c, nil
}

// Repo is one repository to sweep.
type Repo struct {
	// FullName is owner/name: the stable repository name in fingerprints and reports.
	FullName      string
	Owner, Name   string
	CloneURL      string
	HTMLURL       string
	DefaultBranch string
	// Visibility is public, private or internal.
	Visibility string
	Fork       bool
	Archived   bool
}

// Owner names whose repositories to list: exactly one of Org and User.
type Owner struct {
	Org, User string
}

// Filter selects repositories. The zero value keeps all but forks and archived ones.
type Filter struct {
	IncludeForks, IncludeArchived bool
	// Visibility is all (or empty), public, private or internal.
	Visibility string
	// Name, when set, must match FullName (owner/name).
	Name *regexp.Regexp
	// Shard, when set, keeps only that part of the list.
	Shard Shard
}

// Visibilities are the values --visibility accepts.
var Visibilities = []string{"all", "public", "private", "internal"}

// ListRepos returns the repositories of owner that f keeps, sorted by full name, across
// every page of the listing.
func (c *Client) ListRepos(ctx context.Context, owner Owner, f Filter) ([]Repo, error) {
	var all []*gh.Repository
	var err error
	switch {
	case owner.Org != "" && owner.User == "":
		all, err = c.listOrg(ctx, owner.Org)
	case owner.User != "" && owner.Org == "":
		all, err = c.listUser(ctx, owner.User)
	default:
		return nil, errors.New("want exactly one of an organisation and a user")
	}
	if err != nil {
		return nil, err
	}
	var out []Repo
	seen := map[string]bool{}
	for _, r := range all {
		repo := fromAPI(r)
		if repo.FullName == "" || seen[repo.FullName] || !f.keeps(repo) {
			continue
		}
		seen[repo.FullName] = true
		out = append(out, repo)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName < out[j].FullName })
	return out, nil
}

func (f Filter) keeps(r Repo) bool {
	if r.Fork && !f.IncludeForks || r.Archived && !f.IncludeArchived {
		return false
	}
	if f.Visibility != "" && f.Visibility != "all" && f.Visibility != r.Visibility {
		return false
	}
	if f.Name != nil && !f.Name.MatchString(r.FullName) {
		return false
	}
	return f.Shard.Contains(r.FullName)
}

func (c *Client) listOrg(ctx context.Context, org string) ([]*gh.Repository, error) {
	opts := &gh.RepositoryListByOrgOptions{Type: "all", ListOptions: gh.ListOptions{PerPage: 100}}
	return paginate(func() ([]*gh.Repository, *gh.Response, error) {
		return c.gh.Repositories.ListByOrg(ctx, org, opts)
	}, &opts.ListOptions, c.describe("organisation", org))
}

func (c *Client) listUser(ctx context.Context, user string) ([]*gh.Repository, error) {
	// The public listing of a user omits their private repositories even for themselves;
	// when the token is that user's, the authenticated listing includes them.
	if c.token != "" {
		me, _, err := c.gh.Users.Get(ctx, "")
		if err != nil {
			if d := c.describe("user", user)(err); errors.Is(d, ErrBadCredentials) {
				return nil, d
			}
			// A token without user scope (a fine-grained or app token): fall back to the
			// public listing below.
		} else if strings.EqualFold(me.GetLogin(), user) {
			opts := &gh.RepositoryListByAuthenticatedUserOptions{Affiliation: "owner", ListOptions: gh.ListOptions{PerPage: 100}}
			return paginate(func() ([]*gh.Repository, *gh.Response, error) {
				return c.gh.Repositories.ListByAuthenticatedUser(ctx, opts)
			}, &opts.ListOptions, c.describe("user", user))
		}
	}
	opts := &gh.RepositoryListByUserOptions{Type: "owner", ListOptions: gh.ListOptions{PerPage: 100}}
	return paginate(func() ([]*gh.Repository, *gh.Response, error) {
		return c.gh.Repositories.ListByUser(ctx, user, opts)
	}, &opts.ListOptions, c.describe("user", user))
}

// maxPages bounds a listing (100 per page: 100,000 repositories) against a server whose Link
// header never ends.
const maxPages = 1000

func paginate(page func() ([]*gh.Repository, *gh.Response, error), lo *gh.ListOptions, describe func(error) error) ([]*gh.Repository, error) {
	var all []*gh.Repository
	for n := 0; n < maxPages; n++ {
		repos, resp, err := page()
		if err != nil {
			return nil, describe(err)
		}
		all = append(all, repos...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= lo.Page {
			return all, nil
		}
		lo.Page = resp.NextPage
	}
	return nil, describe(fmt.Errorf("more than %d pages", maxPages))
}

// describe turns API errors into one line naming the owner and the host.
func (c *Client) describe(kind, name string) func(error) error {
	return func(err error) error {
		var rl *gh.RateLimitError
		var abuse *gh.AbuseRateLimitError
		var er *gh.ErrorResponse
		switch {
		case errors.As(err, &rl):
			return fmt.Errorf("GitHub API %s: rate limit still exceeded after waiting (resets %s)",
				c.apiHost, rl.Rate.Reset.Format("15:04:05"))
		case errors.As(err, &abuse):
			return fmt.Errorf("GitHub API %s: secondary rate limit still in force after waiting", c.apiHost)
		case errors.As(err, &er) && er.Response != nil:
			switch er.Response.StatusCode {
			case http.StatusUnauthorized:
				return fmt.Errorf("GitHub API %s: %w", c.apiHost, ErrBadCredentials)
			case http.StatusNotFound:
				return fmt.Errorf("GitHub API %s: %s %q not found (or not visible to the token)", c.apiHost, kind, name)
			}
			return fmt.Errorf("GitHub API %s: listing %s %q: %d %s", c.apiHost, kind, name,
				er.Response.StatusCode, oneLine(er.Message))
		}
		return fmt.Errorf("GitHub API %s: listing %s %q: %s", c.apiHost, kind, name, c.Scrub(err.Error()))
	}
}

func fromAPI(r *gh.Repository) Repo {
	repo := Repo{
		FullName:      r.GetFullName(),
		Owner:         r.GetOwner().GetLogin(),
		Name:          r.GetName(),
		CloneURL:      r.GetCloneURL(),
		HTMLURL:       strings.TrimRight(r.GetHTMLURL(), "/"),
		DefaultBranch: r.GetDefaultBranch(),
		Visibility:    strings.ToLower(r.GetVisibility()),
		Fork:          r.GetFork(),
		Archived:      r.GetArchived(),
	}
	if repo.Visibility == "" {
		// Older Enterprise Server versions have no visibility field.
		repo.Visibility = "public"
		if r.GetPrivate() {
			repo.Visibility = "private"
		}
	}
	if repo.FullName == "" && repo.Owner != "" && repo.Name != "" {
		repo.FullName = repo.Owner + "/" + repo.Name
	}
	return repo
}

// GitAuth returns the credentials for cloning rawURL: the token as HTTP basic auth
// (x-access-token) when the URL is on the configured GitHub host, nothing otherwise.
func (c *Client) GitAuth(rawURL string) transport.AuthMethod {
	if c.token == "" {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || !strings.EqualFold(u.Host, c.gitHost) || (u.Scheme != "https" && u.Scheme != "http") {
		return nil
	}
	return &githttp.BasicAuth{Username: "x-access-token", Password: c.token}
}

// Scrub removes the token from a message that may quote it (an error from a library).
func (c *Client) Scrub(msg string) string {
	if len(c.token) >= 4 {
		msg = strings.ReplaceAll(msg, c.token, "[token]")
	}
	return msg
}

// APIHost is the host:port API requests go to.
func (c *Client) APIHost() string { return c.apiHost }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
