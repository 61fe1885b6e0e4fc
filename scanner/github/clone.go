package github

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchSpecs mirror every branch and tag, and nothing else: GitHub's refs/pull/* would
// multiply the objects to fetch without adding anything a sweep reports on (pull request
// heads that were merged are in a branch; those that were not are outside the contract).
var fetchSpecs = []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// Mirror is a bare clone brought up to date.
type Mirror struct {
	// Dir is the bare repository.
	Dir string
	// Refs maps every branch and tag (full ref names) to its tip.
	Refs map[string]string
	// Head is the default branch's tip (empty for an empty repository).
	Head string
}

// safeName is what an owner or repository name from the API must look like before it becomes
// a directory name: a hostile server must not reach outside the cache with "../".
var safeName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CacheDir returns where r's bare clone lives under root.
func (c *Client) CacheDir(root string, r Repo) (string, error) {
	if !safeName.MatchString(r.Owner) || !safeName.MatchString(r.Name) ||
		r.Owner == "." || r.Owner == ".." || r.Name == "." || r.Name == ".." {
		return "", fmt.Errorf("unsafe repository name %q", r.FullName)
	}
	host := strings.NewReplacer(":", "_", "/", "_").Replace(c.gitHost)
	return filepath.Join(root, host, r.Owner, r.Name+".git"), nil
}

// Sync clones r into its directory under root as a bare repository, or fetches into the
// clone an earlier sweep left there (pruning branches and tags deleted upstream). The
// remote URL stored in the clone is the plain clone URL: credentials go with each fetch only.
func (c *Client) Sync(ctx context.Context, root string, r Repo) (Mirror, error) {
	dir, err := c.CacheDir(root, r)
	if err != nil {
		return Mirror{}, err
	}
	if r.CloneURL == "" {
		return Mirror{}, errors.New("the API gave no clone URL")
	}
	repo, fresh, err := openOrInit(dir, r.CloneURL)
	if err != nil {
		return Mirror{}, fmt.Errorf("cache %s: %s", dir, c.Scrub(err.Error()))
	}
	// A fetch that fails for a reason that may pass (a 5xx, a dropped connection) is tried
	// again with backoff; one that cannot (not found, refused) is not.
	for attempt := 1; ; attempt++ {
		err = repo.FetchContext(ctx, &git.FetchOptions{
			RemoteName: git.DefaultRemoteName,
			RefSpecs:   fetchSpecs,
			Auth:       c.GitAuth(r.CloneURL),
			Tags:       git.NoTags, // the refspecs already name every tag
			Force:      true,
			Prune:      true,
		})
		if fetchOK(err) || !transientGitError(err) || ctx.Err() != nil || attempt >= cloneAttempts {
			break
		}
		d := c.retry.BaseDelay << (attempt - 1)
		if err := c.retry.Sleep(ctx, d); err != nil {
			break
		}
	}
	if !fetchOK(err) {
		if fresh {
			// Leave no half-made clone for the next sweep to trust.
			os.RemoveAll(dir)
		}
		return Mirror{}, fmt.Errorf("fetch: %s", c.Scrub(describeGitError(err)))
	}
	m := Mirror{Dir: dir, Refs: map[string]string{}}
	iter, err := repo.References()
	if err != nil {
		return Mirror{}, fmt.Errorf("refs: %v", err)
	}
	var branches []string
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name()
		if ref.Type() != plumbing.HashReference || !(name.IsBranch() || name.IsTag()) {
			return nil
		}
		m.Refs[name.String()] = ref.Hash().String()
		if name.IsBranch() {
			branches = append(branches, name.String())
		}
		return nil
	})
	if err != nil {
		return Mirror{}, fmt.Errorf("refs: %v", err)
	}
	// HEAD of a fresh bare repository names a branch that may not exist; point it at the
	// default branch so that "in HEAD" means what the repository's page shows.
	head := plumbing.NewBranchReferenceName(r.DefaultBranch)
	if _, ok := m.Refs[head.String()]; !ok || r.DefaultBranch == "" {
		head = ""
		sort.Strings(branches)
		for _, b := range branches {
			if b == "refs/heads/main" || b == "refs/heads/master" || head == "" {
				head = plumbing.ReferenceName(b)
			}
		}
	}
	if head != "" {
		if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, head)); err != nil {
			return Mirror{}, fmt.Errorf("HEAD: %v", err)
		}
		m.Head = m.Refs[head.String()]
	}
	return m, nil
}

// openOrInit opens the bare clone at dir, or creates it with origin pointing at cloneURL.
// An existing clone whose origin moved (a renamed or transferred repository) is re-pointed.
func openOrInit(dir, cloneURL string) (*git.Repository, bool, error) {
	repo, err := git.PlainOpen(dir)
	fresh := false
	switch {
	case errors.Is(err, git.ErrRepositoryNotExists):
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return nil, false, err
		}
		if repo, err = git.PlainInit(dir, true); err != nil {
			return nil, false, err
		}
		fresh = true
	case err != nil:
		return nil, false, err
	}
	remote, err := repo.Remote(git.DefaultRemoteName)
	if err == nil && len(remote.Config().URLs) == 1 && remote.Config().URLs[0] == cloneURL {
		return repo, fresh, nil
	}
	if err == nil {
		if err := repo.DeleteRemote(git.DefaultRemoteName); err != nil {
			return nil, false, err
		}
	}
	_, err = repo.CreateRemote(&config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{cloneURL}, Fetch: fetchSpecs})
	return repo, fresh, err
}

// cloneAttempts bounds tries of one fetch.
const cloneAttempts = 3

func fetchOK(err error) bool {
	return err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) || errors.Is(err, transport.ErrEmptyRemoteRepository)
}

// transientGitError reports whether a failed fetch may succeed if tried again.
func transientGitError(err error) bool {
	for _, permanent := range []error{transport.ErrRepositoryNotFound, transport.ErrAuthenticationRequired,
		transport.ErrAuthorizationFailed, transport.ErrInvalidAuthMethod, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return true
}

// describeGitError gives the common transport failures a short, stable wording.
func describeGitError(err error) string {
	switch {
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return "repository not found"
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return "authentication required"
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return "authorization failed"
	}
	return oneLine(err.Error())
}

// HeadFiles returns the content of the files in HEAD's tree of the repository at dir whose
// path keep selects (nil for an empty repository).
func HeadFiles(dir string, keep func(path string) bool) (map[string][]byte, error) {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return nil, err
	}
	ref, err := repo.Head()
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return nil, nil
		}
		return nil, err
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	err = tree.Files().ForEach(func(f *object.File) error {
		if !f.Mode.IsFile() || !keep(f.Name) {
			return nil
		}
		s, err := f.Contents()
		if err != nil {
			return fmt.Errorf("%s: %v", f.Name, err)
		}
		out[f.Name] = []byte(s)
		return nil
	})
	return out, err
}
