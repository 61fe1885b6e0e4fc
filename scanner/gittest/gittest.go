// Package gittest builds small git repositories for tests with go-git, in t.TempDir(), so
// no test depends on a committed .git directory or on the git binary. Dates are
// deterministic: every commit is one hour after the previous one unless At says otherwise,
// so provenance assertions ("the earliest commit") never race the wall clock.
package gittest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
)

// Deleted, as a file's content in Commit's map, removes that file in the commit.
const Deleted = "\x00gittest:deleted\x00"

// Epoch is the author and committer date of the first commit a Repo makes.
var Epoch = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)

// DefaultAuthor and DefaultEmail sign commits made without the Author option.
const (
	DefaultAuthor = "Test Author"
	DefaultEmail  = "author@example.com"
)

// Repo is a non-bare repository in a temporary directory.
type Repo struct {
	// Path is the working tree root (the .git directory is Path/.git).
	Path string
	// Git is the go-git handle, for anything the helpers do not cover.
	Git *git.Repository

	t     testing.TB
	clock time.Time
}

// New initialises an empty repository with "main" as its initial branch.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	g, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatalf("gittest: init %s: %v", dir, err)
	}
	return &Repo{Path: dir, Git: g, t: t, clock: Epoch}
}

// CommitOption changes how one commit is made.
type CommitOption func(*commitOptions)

type commitOptions struct {
	name, email string
	when        time.Time
	parents     []plumbing.Hash
}

// Author sets the commit's author and committer.
func Author(name, email string) CommitOption {
	return func(o *commitOptions) { o.name, o.email = name, email }
}

// At sets the commit's author and committer date. Later commits without At continue one
// hour after the latest date used so far.
func At(when time.Time) CommitOption { return func(o *commitOptions) { o.when = when } }

// Parents makes a merge commit: HEAD plus the given extra parents.
func Parents(extra ...plumbing.Hash) CommitOption {
	return func(o *commitOptions) { o.parents = append(o.parents, extra...) }
}

// Write puts files in the working tree without staging them (uncommitted changes and
// untracked files). Content Deleted removes the file from the working tree only.
func (r *Repo) Write(files map[string]string) {
	r.t.Helper()
	for _, p := range sortedKeys(files) {
		full := filepath.Join(r.Path, filepath.FromSlash(p))
		if files[p] == Deleted {
			if err := os.Remove(full); err != nil {
				r.t.Fatalf("gittest: remove %s: %v", p, err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatalf("gittest: %v", err)
		}
		if err := os.WriteFile(full, []byte(files[p]), 0o644); err != nil {
			r.t.Fatalf("gittest: write %s: %v", p, err)
		}
	}
}

// Stage adds paths (already in the working tree) to the index, or removes them from it
// when they no longer exist there.
func (r *Repo) Stage(paths ...string) {
	r.t.Helper()
	wt := r.worktree()
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(r.Path, filepath.FromSlash(p))); os.IsNotExist(err) {
			if _, err := wt.Remove(p); err != nil {
				r.t.Fatalf("gittest: unstage %s: %v", p, err)
			}
			continue
		}
		if _, err := wt.Add(p); err != nil {
			r.t.Fatalf("gittest: stage %s: %v", p, err)
		}
	}
}

// Delete removes paths from the working tree and the index; the next Commit records it.
func (r *Repo) Delete(paths ...string) {
	r.t.Helper()
	wt := r.worktree()
	for _, p := range paths {
		if _, err := wt.Remove(p); err != nil {
			r.t.Fatalf("gittest: delete %s: %v", p, err)
		}
	}
}

// Rename moves a tracked file in the working tree and the index; the next Commit records it.
func (r *Repo) Rename(from, to string) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Join(r.Path, filepath.Dir(filepath.FromSlash(to))), 0o755); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	if _, err := r.worktree().Move(from, to); err != nil {
		r.t.Fatalf("gittest: rename %s → %s: %v", from, to, err)
	}
}

// Symlink creates a symbolic link at path pointing to target and stages it.
func (r *Repo) Symlink(path, target string) {
	r.t.Helper()
	full := filepath.Join(r.Path, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	if err := os.Symlink(target, full); err != nil {
		r.t.Fatalf("gittest: symlink %s: %v", path, err)
	}
	r.Stage(path)
}

// Commit writes and stages files (content Deleted removes a file), then commits everything
// staged on the current branch and returns the new commit's hash. Empty commits are allowed.
func (r *Repo) Commit(msg string, files map[string]string, opts ...CommitOption) plumbing.Hash {
	r.t.Helper()
	var deleted []string
	written := map[string]string{}
	for p, c := range files {
		if c == Deleted {
			deleted = append(deleted, p)
		} else {
			written[p] = c
		}
	}
	r.Write(written)
	r.Stage(sortedKeys(written)...)
	sort.Strings(deleted)
	r.Delete(deleted...)

	o := r.options(opts)
	sig := &object.Signature{Name: o.name, Email: o.email, When: o.when}
	co := &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}
	if len(o.parents) > 0 {
		head := r.Head()
		co.Parents = append([]plumbing.Hash{head}, o.parents...)
	}
	h, err := r.worktree().Commit(msg, co)
	if err != nil {
		r.t.Fatalf("gittest: commit %q: %v", msg, err)
	}
	return h
}

func (r *Repo) options(opts []CommitOption) commitOptions {
	o := commitOptions{name: DefaultAuthor, email: DefaultEmail}
	for _, opt := range opts {
		opt(&o)
	}
	if o.when.IsZero() {
		o.when = r.clock
	}
	if next := o.when.Add(time.Hour); next.After(r.clock) {
		r.clock = next
	}
	return o
}

// Head returns the commit HEAD points to.
func (r *Repo) Head() plumbing.Hash {
	r.t.Helper()
	ref, err := r.Git.Head()
	if err != nil {
		r.t.Fatalf("gittest: HEAD: %v", err)
	}
	return ref.Hash()
}

// Branch creates branch name at HEAD without switching to it.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	r.SetRef(plumbing.NewBranchReferenceName(name).String(), r.Head())
}

// Checkout switches the working tree to an existing branch.
func (r *Repo) Checkout(name string) {
	r.t.Helper()
	err := r.worktree().Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name)})
	if err != nil {
		r.t.Fatalf("gittest: checkout %s: %v", name, err)
	}
}

// Tag creates a lightweight tag at HEAD.
func (r *Repo) Tag(name string) {
	r.t.Helper()
	if _, err := r.Git.CreateTag(name, r.Head(), nil); err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
}

// AnnotatedTag creates an annotated tag object for target and points refs/tags/name at it.
func (r *Repo) AnnotatedTag(name string, target plumbing.Hash, msg string) plumbing.Hash {
	r.t.Helper()
	o := r.options(nil)
	ref, err := r.Git.CreateTag(name, target, &git.CreateTagOptions{
		Tagger:  &object.Signature{Name: o.name, Email: o.email, When: o.when},
		Message: msg,
	})
	if err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
	return ref.Hash()
}

// SetRef points any reference (refs/notes/…, refs/remotes/…, refs/pull/…) at hash.
func (r *Repo) SetRef(name string, hash plumbing.Hash) {
	r.t.Helper()
	if err := r.Git.Storer.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), hash)); err != nil {
		r.t.Fatalf("gittest: ref %s: %v", name, err)
	}
}

// DeleteRef removes a reference (a branch whose commits should become unreachable, say).
func (r *Repo) DeleteRef(name string) {
	r.t.Helper()
	if err := r.Git.Storer.RemoveReference(plumbing.ReferenceName(name)); err != nil {
		r.t.Fatalf("gittest: remove ref %s: %v", name, err)
	}
}

// Stash records files the way `git stash -u` would, without touching the working tree:
// refs/stash points to a commit whose parents are HEAD, an index commit holding tracked
// (HEAD tree plus files), and, when untracked is non-empty, a parentless commit holding
// only those files. It returns the stash commit.
func (r *Repo) Stash(tracked, untracked map[string]string) plumbing.Hash {
	r.t.Helper()
	head := r.Head()
	hc, err := r.Git.CommitObject(head)
	if err != nil {
		r.t.Fatalf("gittest: stash: %v", err)
	}
	o := r.options(nil)
	sig := object.Signature{Name: o.name, Email: o.email, When: o.when}
	files, err := flatten(hc)
	if err != nil {
		r.t.Fatalf("gittest: stash: %v", err)
	}
	for p, c := range tracked {
		files[p] = r.blob(c)
	}
	index := r.commitObject("index on main", r.tree(files), sig, head)
	parents := []plumbing.Hash{head, index}
	treeFiles := files
	if len(untracked) > 0 {
		u := map[string]plumbing.Hash{}
		for p, c := range untracked {
			u[p] = r.blob(c)
		}
		parents = append(parents, r.commitObject("untracked files on main", r.tree(u), sig))
	}
	stash := r.commitObject("WIP on main", r.tree(treeFiles), sig, parents...)
	r.SetRef("refs/stash", stash)
	return stash
}

// CommitFiles writes a commit object with exactly files as its tree and the given parents,
// without touching any branch, index or working tree; point a ref at it with SetRef.
func (r *Repo) CommitFiles(msg string, files map[string]string, parents ...plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	o := r.options(nil)
	m := map[string]plumbing.Hash{}
	for p, c := range files {
		m[p] = r.blob(c)
	}
	return r.commitObject(msg, r.tree(m), object.Signature{Name: o.name, Email: o.email, When: o.when}, parents...)
}

// WriteBlob stores content as a blob object and returns its id.
func (r *Repo) WriteBlob(content string) plumbing.Hash { return r.blob(content) }

// WriteTree stores nested tree objects for a flat path → blob map and returns the root.
func (r *Repo) WriteTree(files map[string]plumbing.Hash) plumbing.Hash { return r.tree(files) }

// WriteCommit stores a commit object for tree with the given parents (the next
// deterministic date, DefaultAuthor) without moving any ref; point one at it with SetRef.
// With WriteBlob and WriteTree it builds long histories much faster than Commit.
func (r *Repo) WriteCommit(msg string, tree plumbing.Hash, parents ...plumbing.Hash) plumbing.Hash {
	o := r.options(nil)
	return r.commitObject(msg, tree, object.Signature{Name: o.name, Email: o.email, When: o.when}, parents...)
}

// Pack moves every reachable object into one packfile (with deltas, as git gc would) and
// deletes the loose objects, so reads go through the pack code real clones exercise.
func (r *Repo) Pack() {
	r.t.Helper()
	if err := r.Git.RepackObjects(&git.RepackConfig{}); err != nil {
		r.t.Fatalf("gittest: repack: %v", err)
	}
	dir := filepath.Join(r.Path, ".git", "objects")
	ents, err := os.ReadDir(dir)
	if err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	for _, e := range ents {
		if len(e.Name()) == 2 {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				r.t.Fatalf("gittest: %v", err)
			}
		}
	}
}

func (r *Repo) blob(content string) plumbing.Hash {
	obj := r.Git.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, _ := obj.Writer()
	_, _ = w.Write([]byte(content))
	_ = w.Close()
	h, err := r.Git.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatalf("gittest: blob: %v", err)
	}
	return h
}

// tree writes nested tree objects for a flat path → blob map.
func (r *Repo) tree(files map[string]plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	sub := map[string]map[string]plumbing.Hash{}
	var entries []object.TreeEntry
	for p, h := range files {
		if dir, rest, ok := cut(p); ok {
			if sub[dir] == nil {
				sub[dir] = map[string]plumbing.Hash{}
			}
			sub[dir][rest] = h
			continue
		}
		entries = append(entries, object.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h})
	}
	for dir, m := range sub {
		entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: r.tree(m)})
	}
	// git orders tree entries by name, directories compared as if they ended in '/'.
	sort.Slice(entries, func(i, j int) bool { return sortName(entries[i]) < sortName(entries[j]) })
	t := &object.Tree{Entries: entries}
	obj := r.Git.Storer.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		r.t.Fatalf("gittest: tree: %v", err)
	}
	h, err := r.Git.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatalf("gittest: tree: %v", err)
	}
	return h
}

func (r *Repo) commitObject(msg string, tree plumbing.Hash, sig object.Signature, parents ...plumbing.Hash) plumbing.Hash {
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree, ParentHashes: parents}
	obj := r.Git.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		r.t.Fatalf("gittest: commit: %v", err)
	}
	h, err := r.Git.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatalf("gittest: commit: %v", err)
	}
	return h
}

// ObjectPath returns the loose object file of hash (to damage a repository in a test).
func (r *Repo) ObjectPath(hash plumbing.Hash) string {
	s := hash.String()
	return filepath.Join(r.Path, ".git", "objects", s[:2], s[2:])
}

// BlobHash returns the git blob id content would have.
func BlobHash(content string) plumbing.Hash {
	return plumbing.ComputeHash(plumbing.BlobObject, []byte(content))
}

// Bare copies r's objects and references into a new bare repository in t.TempDir() and
// returns its path. HEAD keeps pointing at the same branch. No git binary is needed.
func Bare(t testing.TB, r *Repo) string {
	t.Helper()
	dir := t.TempDir()
	dst, err := git.PlainInit(dir, true)
	if err != nil {
		t.Fatalf("gittest: init bare: %v", err)
	}
	if err := copyObjects(r.Git.Storer, dst.Storer); err != nil {
		t.Fatalf("gittest: bare: %v", err)
	}
	refs, err := r.Git.Storer.IterReferences()
	if err != nil {
		t.Fatalf("gittest: bare: %v", err)
	}
	err = refs.ForEach(func(ref *plumbing.Reference) error { return dst.Storer.SetReference(ref) })
	if err != nil {
		t.Fatalf("gittest: bare: %v", err)
	}
	if head, err := r.Git.Storer.Reference(plumbing.HEAD); err == nil {
		if err := dst.Storer.SetReference(head); err != nil {
			t.Fatalf("gittest: bare HEAD: %v", err)
		}
	}
	// A remote makes the bare copy look like a clone, for origin-URL naming tests.
	_, _ = dst.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{r.Path}})
	return dir
}

// SetOrigin sets (or replaces) the origin remote's URL.
func (r *Repo) SetOrigin(url string) {
	r.t.Helper()
	_ = r.Git.DeleteRemote("origin")
	if _, err := r.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}}); err != nil {
		r.t.Fatalf("gittest: origin: %v", err)
	}
}

func copyObjects(src, dst storage.Storer) error {
	iter, err := src.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		return err
	}
	return iter.ForEach(func(o plumbing.EncodedObject) error {
		_, err := dst.SetEncodedObject(o)
		return err
	})
}

func flatten(c *object.Commit) (map[string]plumbing.Hash, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	m := map[string]plumbing.Hash{}
	err = t.Files().ForEach(func(f *object.File) error {
		m[f.Name] = f.Hash
		return nil
	})
	return m, err
}

func cut(p string) (dir, rest string, ok bool) {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i], p[i+1:], true
		}
	}
	return "", p, false
}

func sortName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (r *Repo) worktree() *git.Worktree {
	r.t.Helper()
	wt, err := r.Git.Worktree()
	if err != nil {
		r.t.Fatalf("gittest: worktree: %v", err)
	}
	return wt
}
