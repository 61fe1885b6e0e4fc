package scanner

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// RepoConfigName is the repository-local config file honoured at a scanned root.
const RepoConfigName = ".sfleak.toml"

// RepositoryName returns a stable name for target, the same on every machine: the
// normalised origin remote URL (host/owner/name, no scheme, credentials, port or .git) when
// target is a repository with one, the normalised URL itself for a clone URL, else the
// base name of the directory.
func RepositoryName(target string) string {
	if isURL(target) {
		if n := NormalizeRemote(target); n != "" {
			return n
		}
	}
	if !isURL(target) {
		if g, err := git.PlainOpenWithOptions(target, &git.PlainOpenOptions{DetectDotGit: false, EnableDotGitCommonDir: true}); err == nil {
			if rem, err := g.Remote("origin"); err == nil && len(rem.Config().URLs) > 0 {
				if n := NormalizeRemote(rem.Config().URLs[0]); n != "" {
					return n
				}
			}
		}
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	base := filepath.Base(abs)
	if base == "." || base == string(filepath.Separator) {
		return "."
	}
	return strings.TrimSuffix(base, ".git")
}

// NormalizeRemote turns a remote URL into host/owner/name: https://user:tok@GitHub.com/o/r.git,
// git@github.com:o/r and ssh://git@github.com:22/o/r/ all give github.com/o/r. Local paths
// and file:// URLs give the repository directory's base name. It returns "" for an
// unusable URL.
func NormalizeRemote(raw string) string {
	raw = strings.TrimSpace(raw)
	var host, p string
	switch {
	case strings.Contains(raw, "://"):
		u, err := url.Parse(raw)
		if err != nil {
			return ""
		}
		if u.Scheme == "file" || u.Host == "" {
			return localName(u.Path)
		}
		host, p = u.Hostname(), u.Path
	case isURL(raw): // scp-like user@host:path
		at := strings.Index(raw, "@")
		rest := raw[at+1:]
		colon := strings.Index(rest, ":")
		host, p = rest[:colon], rest[colon+1:]
	default:
		return localName(raw)
	}
	p = strings.Trim(path.Clean("/"+p), "/")
	p = strings.TrimSuffix(p, ".git")
	if host == "" || p == "" {
		return ""
	}
	return strings.ToLower(host) + "/" + p
}

func localName(p string) string {
	p = strings.TrimRight(filepath.ToSlash(p), "/")
	p = strings.TrimSuffix(path.Base(p), ".git")
	if p == "" || p == "." || p == "/" {
		return ""
	}
	return p
}

// ReadRepoConfig returns the .sfleak.toml at target's root: the working tree's file for a
// directory or non-bare repository, HEAD's version for a bare repository. name identifies
// it in errors. Both are empty (and err nil) when there is none or target is a URL.
func ReadRepoConfig(target string) (data []byte, name string, err error) {
	if isURL(target) {
		return nil, "", nil
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", target, unwrapPathError(err))
	}
	if !fi.IsDir() {
		return nil, "", nil
	}
	file := filepath.Join(target, RepoConfigName)
	data, err = os.ReadFile(file)
	switch {
	case err == nil:
		return data, file, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, file, fmt.Errorf("%s: %v", file, unwrapPathError(err))
	}
	r, err := openRepo(target)
	if err != nil || !r.bare {
		if r != nil {
			r.close()
		}
		return nil, "", nil
	}
	defer r.close()
	head := resolveHead(r)
	if head.IsZero() {
		return nil, "", nil
	}
	name = target + ":HEAD:" + RepoConfigName
	// A damaged mirror whose HEAD commit or tree cannot be read has no config to honour; the
	// scan itself reports the missing objects and still reads every other branch.
	c, err := object.GetCommit(r.st, head)
	if err != nil {
		return nil, "", nil
	}
	t, err := c.Tree()
	if err != nil {
		return nil, "", nil
	}
	f, err := t.File(RepoConfigName)
	if err != nil {
		return nil, "", nil
	}
	s, err := f.Contents()
	if err != nil {
		return nil, name, fmt.Errorf("%s: %v", name, err)
	}
	return []byte(s), name, nil
}
