package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// isURL reports whether target is a clone URL rather than a local path.
func isURL(target string) bool {
	for _, p := range []string{"https://", "http://", "ssh://", "git://", "file://"} {
		if strings.HasPrefix(strings.ToLower(target), p) {
			return true
		}
	}
	// scp-like syntax: user@host:path (but not a Windows drive or a local path with '@').
	if at := strings.Index(target, "@"); at > 0 {
		colon := strings.Index(target[at:], ":")
		return colon > 1 && !strings.ContainsAny(target[:at], "/\\")
	}
	return false
}

// scanURL clones target bare into a temporary directory (every ref: +refs/*:refs/*),
// scans it and removes it.
func scanURL(ctx context.Context, target string, m Matcher, opts Options, start time.Time) (*Result, error) {
	safe := RedactURL(target)
	dir, err := os.MkdirTemp("", "sfleak-clone-")
	if err != nil {
		return nil, fmt.Errorf("%s: %v", safe, err)
	}
	defer os.RemoveAll(dir)
	if err := CloneBare(ctx, target, dir, opts.Auth); err != nil {
		return nil, err
	}
	if opts.Repository == "" {
		opts.Repository = RepositoryName(target)
	}
	opts.NoGit = false
	res, err := Scan(ctx, dir, m, opts)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), dir, safe))
	}
	res.Root = safe
	for i := range res.Errors {
		res.Errors[i].Source = strings.ReplaceAll(res.Errors[i].Source, dir, safe)
	}
	res.Stats.DurationMS = time.Since(start).Milliseconds()
	return res, nil
}

// CloneBare fetches every ref of rawURL (+refs/*:refs/*) into a new bare repository at dir
// and points HEAD where the remote's HEAD points. Errors name the URL without credentials.
func CloneBare(ctx context.Context, rawURL, dir string, auth transport.AuthMethod) error {
	GuardGitHTTP() // a server that accepts the connection and then says nothing must not hang us
	safe := RedactURL(rawURL)
	fail := func(err error) error {
		msg := strings.ReplaceAll(err.Error(), rawURL, safe)
		return fmt.Errorf("%s: clone: %s", safe, oneLine(msg))
	}
	g, err := git.PlainInit(dir, true)
	if err != nil {
		return fail(err)
	}
	remote, err := g.CreateRemote(&config.RemoteConfig{
		Name:  "origin",
		URLs:  []string{rawURL},
		Fetch: []config.RefSpec{"+refs/*:refs/*"},
	})
	if err != nil {
		return fail(err)
	}
	refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: auth})
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return fail(err)
	}
	if len(refs) > 0 {
		err = remote.FetchContext(ctx, &git.FetchOptions{Auth: auth, Tags: git.NoTags})
		if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
			return fail(err)
		}
	}
	for _, ref := range refs {
		if ref.Name() == plumbing.HEAD && ref.Type() == plumbing.SymbolicReference {
			_ = g.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref.Target()))
		}
	}
	// The remote URL may hold a token: keep the clone's config free of it.
	cfg, err := g.Config()
	if err == nil {
		if rc := cfg.Remotes["origin"]; rc != nil {
			rc.URLs = []string{safe}
			_ = g.SetConfig(cfg)
		}
	}
	return nil
}

// RedactURL drops credentials from a URL so it can appear in errors and reports.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return raw
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword || u.Scheme == "https" || u.Scheme == "http" {
			u.User = nil
		}
	}
	return u.String()
}
