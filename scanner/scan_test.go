package scanner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// markerMatcher finds SECRET=<value> lines, so scanner tests do not depend on the engine.
type markerMatcher struct{}

var markerRE = regexp.MustCompile(`SECRET=([A-Za-z0-9]+)`)

func (markerMatcher) Scan(path string, data []byte) []detectors.Match {
	var out []detectors.Match
	for _, m := range markerRE.FindAllSubmatchIndex(data, -1) {
		out = append(out, detectors.Match{RuleID: "test-secret", Severity: "high",
			Start: m[2], End: m[3], Secret: string(data[m[2]:m[3]])})
	}
	return out
}

// sec returns a fake secret for a test name (never a literal in the source).
func sec(name string) string { return fakecred.ConsumerSecret("scanner-test-" + name) }

func line(name string) string { return "SECRET=" + sec(name) + "\n" }

// got is the part of a finding the provenance tests compare.
type got struct {
	Path   string
	Line   int
	Column int
	Commit string
	InHead bool
}

// bySecret indexes findings by the test name of their secret, for the names given.
func bySecret(t *testing.T, res *Result, names ...string) map[string][]got {
	t.Helper()
	rev := map[string]string{}
	for _, n := range names {
		rev[sec(n)] = n
	}
	out := map[string][]got{}
	for _, f := range res.Findings {
		n, ok := rev[f.Raw]
		if !ok {
			continue
		}
		out[n] = append(out[n], got{f.Path, f.Line, f.Column, f.Commit, f.InHead})
	}
	for _, v := range out {
		sort.Slice(v, func(i, j int) bool { return v[i].Path < v[j].Path })
	}
	return out
}

func scan(t *testing.T, target string, opts Options) *Result {
	t.Helper()
	res, err := Scan(context.Background(), target, markerMatcher{}, opts)
	if err != nil {
		t.Fatalf("Scan(%s): %v", target, err)
	}
	return res
}

// buildHistory makes a repository with one example of every provenance case.
type historyRepo struct {
	r                                       *gittest.Repo
	c1, c2, feature, c3, c4, c5, c6, c7     plumbing.Hash
	tagged, stash, stashIndex, stashUntrack plumbing.Hash
}

func buildHistory(t *testing.T) *historyRepo {
	h := &historyRepo{r: gittest.New(t)}
	r := h.r
	h.c1 = r.Commit("add config", map[string]string{
		"config.py":  "x = 1\n" + line("edited"),
		".gitignore": "ignored.txt\n",
	})
	h.c2 = r.Commit("edit config", map[string]string{"config.py": "# header\n# more\nx = 1\n" + line("edited")})
	r.Branch("feature")
	r.Checkout("feature")
	h.feature = r.Commit("feature work", map[string]string{"feature.txt": line("branch")})
	r.Checkout("main")
	h.c3 = r.Commit("add env", map[string]string{"old.env": "A=1\n" + line("deleted")})
	h.c4 = r.Commit("remove env", map[string]string{"old.env": gittest.Deleted})
	h.c5 = r.Commit("add a", map[string]string{"docs/a.txt": line("renamed")})
	r.Rename("docs/a.txt", "docs/b.txt")
	h.c6 = r.Commit("rename a to b", nil)
	h.c7 = r.Commit("two paths", map[string]string{
		"x/one.txt": line("twice"),
		"y/two.txt": "  " + line("twice"),
		"bin.dat":   "\x00\x01" + line("binary"),
		"big.txt":   line("large") + strings.Repeat("padding\n", 1000),
	})
	r.Symlink("link", "/etc/passwd")
	r.Commit("symlink", nil)
	h.tagged = r.CommitFiles("release only", map[string]string{"release.txt": line("tagonly")}, r.Head())
	r.AnnotatedTag("v1", h.tagged, "release")
	h.stash = r.Stash(map[string]string{"config.py": line("stashed")}, map[string]string{"scratch.txt": line("stashuntracked")})
	r.Write(map[string]string{
		"config.py":   "# header\n# more\nx = 1\n" + line("edited") + line("modified"),
		"new.txt":     line("untracked"),
		"ignored.txt": line("ignored"),
	})
	return h
}

func TestScanHistoryProvenance(t *testing.T) {
	h := buildHistory(t)
	res := scan(t, h.r.Path, Options{MaxFileSize: 4096, Jobs: 3})
	sc, err := h.r.Git.CommitObject(h.stash)
	if err != nil {
		t.Fatal(err)
	}
	stashIndex, stashUntracked := sc.ParentHashes[1].String(), sc.ParentHashes[2].String()
	names := []string{"edited", "branch", "deleted", "renamed", "twice", "binary", "large", "tagonly",
		"stashed", "stashuntracked", "modified", "untracked", "ignored"}
	want := map[string][]got{
		// The edit moved the line: still one finding, at the commit that introduced it.
		"edited":  {{"config.py", 2, 8, h.c1.String(), true}},
		"branch":  {{"feature.txt", 1, 8, h.feature.String(), false}},
		"deleted": {{"old.env", 2, 8, h.c3.String(), false}},
		"renamed": {
			{"docs/a.txt", 1, 8, h.c5.String(), false},
			{"docs/b.txt", 1, 8, h.c6.String(), true},
		},
		"twice": {
			{"x/one.txt", 1, 8, h.c7.String(), true},
			{"y/two.txt", 1, 10, h.c7.String(), true},
		},
		"tagonly":        {{"release.txt", 1, 8, h.tagged.String(), false}},
		"stashed":        {{"config.py", 1, 8, stashIndex, false}},
		"stashuntracked": {{"scratch.txt", 1, 8, stashUntracked, false}},
		"modified":       {{"config.py", 5, 8, "", false}},
		"untracked":      {{"new.txt", 1, 8, "", false}},
	}
	if diff := cmp.Diff(want, bySecret(t, res, names...)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if res.Stats.SkippedBinary != 1 || res.Stats.SkippedLarge != 1 {
		t.Errorf("skipped binary/large = %d/%d, want 1/1", res.Stats.SkippedBinary, res.Stats.SkippedLarge)
	}
	if res.Head != h.r.Head().String() {
		t.Errorf("Head = %q, want %s", res.Head, h.r.Head())
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if res.Stats.Commits < 10 {
		t.Errorf("commits walked = %d", res.Stats.Commits)
	}
	// The same secret at two paths shares a credential but not a fingerprint.
	var twice []report.Finding
	for _, f := range res.Findings {
		if f.Raw == sec("twice") {
			twice = append(twice, f)
		}
	}
	if len(twice) == 2 && (twice[0].Credential != twice[1].Credential || twice[0].Fingerprint == twice[1].Fingerprint) {
		t.Errorf("credential/fingerprint: %+v", twice)
	}
	for _, f := range res.Findings {
		if f.Raw == sec("edited") {
			if f.Author != gittest.DefaultAuthor || f.Email != gittest.DefaultEmail || f.Date != "2024-01-01T09:00:00Z" {
				t.Errorf("author/date = %q %q %q", f.Author, f.Email, f.Date)
			}
			if f.Repository != filepath.Base(h.r.Path) || f.Fingerprint != report.Fingerprint("test-secret", f.Raw, f.Repository, "config.py") {
				t.Errorf("repository/fingerprint = %q %q", f.Repository, f.Fingerprint)
			}
		}
	}
}

func TestScanIsDeterministicAcrossWorkers(t *testing.T) {
	h := buildHistory(t)
	a := scan(t, h.r.Path, Options{Jobs: 1})
	b := scan(t, h.r.Path, Options{Jobs: 5})
	if diff := cmp.Diff(a.Findings, b.Findings); diff != "" {
		t.Errorf("Jobs=1 vs Jobs=5 (-1 +5):\n%s", diff)
	}
}

func TestScanWorktreeDisabled(t *testing.T) {
	h := buildHistory(t)
	f := false
	res := scan(t, h.r.Path, Options{Worktree: &f})
	got := bySecret(t, res, "modified", "untracked")
	if len(got["modified"])+len(got["untracked"]) != 0 {
		t.Errorf("worktree findings with Worktree=false: %v", got)
	}
}

func TestScanBareRepository(t *testing.T) {
	h := buildHistory(t)
	bare := gittest.Bare(t, h.r)
	res := scan(t, bare, Options{})
	found := bySecret(t, res, "edited", "deleted", "untracked", "modified")
	want := map[string][]got{
		"edited":  {{"config.py", 2, 8, h.c1.String(), true}},
		"deleted": {{"old.env", 2, 8, h.c3.String(), false}},
	}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("bare findings (-want +got):\n%s", diff)
	}
	if res.Head != h.r.Head().String() {
		t.Errorf("Head = %q", res.Head)
	}
}

func TestScanSince(t *testing.T) {
	r := gittest.New(t)
	base := r.Commit("base", map[string]string{"old.txt": line("old"), "keep.txt": "unchanged\n"})
	c2 := r.Commit("new", map[string]string{"new.txt": line("new")})
	res := scan(t, r.Path, Options{Since: base.String()})
	want := map[string][]got{"new": {{"new.txt", 1, 8, c2.String(), true}}}
	if diff := cmp.Diff(want, bySecret(t, res, "old", "new")); diff != "" {
		t.Errorf("--since (-want +got):\n%s", diff)
	}
	if res.Stats.Commits != 1 || res.Stats.Blobs != 1 {
		t.Errorf("commits/blobs = %d/%d, want 1/1 (boundary blobs are not rescanned)", res.Stats.Commits, res.Stats.Blobs)
	}
	if _, err := Scan(context.Background(), r.Path, markerMatcher{}, Options{Since: "no-such-ref"}); err == nil {
		t.Error("unknown --since ref: no error")
	}
}

func TestScanStaged(t *testing.T) {
	r := gittest.New(t)
	r.Commit("base", map[string]string{"committed.txt": line("committed")})
	r.Write(map[string]string{"staged.txt": line("staged"), "unstaged.txt": line("unstaged")})
	r.Stage("staged.txt")
	res := scan(t, r.Path, Options{Staged: true})
	want := map[string][]got{"staged": {{"staged.txt", 1, 8, "", false}}}
	if diff := cmp.Diff(want, bySecret(t, res, "committed", "staged", "unstaged")); diff != "" {
		t.Errorf("--staged (-want +got):\n%s", diff)
	}
}

func TestScanMissingObjectGoesOn(t *testing.T) {
	r := gittest.New(t)
	c1 := r.Commit("one", map[string]string{"a.txt": line("kept")})
	r.Commit("two", map[string]string{"b.txt": line("lost")})
	if err := os.Remove(r.ObjectPath(gittest.BlobHash(line("lost")))); err != nil {
		t.Fatal(err)
	}
	res := scan(t, r.Path, Options{})
	want := map[string][]got{"kept": {{"a.txt", 1, 8, c1.String(), true}}}
	if diff := cmp.Diff(want, bySecret(t, res, "kept", "lost")); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if res.Stats.MissingObjects != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "missing") {
		t.Errorf("missing=%d errors=%v", res.Stats.MissingObjects, res.Errors)
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	garbageDir := filepath.Join(dir, "garbage-dir")
	os.MkdirAll(filepath.Join(garbageDir, ".git"), 0o755)
	os.WriteFile(filepath.Join(garbageDir, ".git", "HEAD"), []byte("not a ref at all"), 0o644)
	garbageFile := filepath.Join(dir, "garbage-file")
	os.MkdirAll(garbageFile, 0o755)
	os.WriteFile(filepath.Join(garbageFile, ".git"), []byte("gitdir: /nonexistent/place\n"), 0o644)
	tests := []struct {
		name, target, want string
	}{
		{"a path that does not exist is an error naming it", filepath.Join(dir, "nope"), "nope"},
		{"a .git directory with garbage is an error naming the repository", garbageDir, "garbage-dir"},
		{"a .git file pointing nowhere is an error naming the repository", garbageFile, "garbage-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Scan(context.Background(), tt.target, markerMatcher{}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestScanPlainDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a/one.txt":     line("dup"),
		"b/two.txt":     "x\n" + line("dup"),
		"b/three.txt":   "x\n" + line("dup"),
		"c.bin":         "\x00" + line("bin"),
		"a/.git/config": line("gitdir"),
		"utf8.txt":      "é€ " + line("utf8"),
		"skip/this.txt": line("skipped"),
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(c), 0o644)
	}
	outside := filepath.Join(t.TempDir(), "outside.txt")
	os.WriteFile(outside, []byte(line("outside")), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.txt"))
	os.Symlink(filepath.Dir(outside), filepath.Join(dir, "linkdir"))

	res := scan(t, dir, Options{SkipPath: func(p string) bool { return strings.HasPrefix(p, "skip/") }})
	want := map[string][]got{
		"dup":  {{"a/one.txt", 1, 8, "", false}, {"b/three.txt", 2, 8, "", false}, {"b/two.txt", 2, 8, "", false}},
		"utf8": {{"utf8.txt", 1, 11, "", false}}, // columns count characters, not bytes
	}
	if diff := cmp.Diff(want, bySecret(t, res, "dup", "bin", "gitdir", "utf8", "outside", "skipped")); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if res.Stats.SkippedSymlink != 2 || res.Stats.SkippedBinary != 1 || res.Stats.Blobs != 3 {
		t.Errorf("stats = %+v (two files share one blob: scanned once)", res.Stats)
	}
	for _, f := range res.Findings {
		if f.Blob != gittest.BlobHash(files[f.Path]).String() {
			t.Errorf("%s: blob %s, want the git blob id of its bytes", f.Path, f.Blob)
		}
	}
}

func TestScanNoGitScansRepositoryAsFiles(t *testing.T) {
	r := gittest.New(t)
	r.Commit("one", map[string]string{"a.txt": line("history")})
	r.Commit("two", map[string]string{"a.txt": "clean\n"})
	res := scan(t, r.Path, Options{NoGit: true})
	if len(res.Findings) != 0 || res.Head != "" {
		t.Errorf("--no-git found history: %+v", res.Findings)
	}
	// A subfolder of a repository is a plain directory.
	os.MkdirAll(filepath.Join(r.Path, "sub"), 0o755)
	os.WriteFile(filepath.Join(r.Path, "sub", "s.txt"), []byte(line("sub")), 0o644)
	res = scan(t, filepath.Join(r.Path, "sub"), Options{})
	want := map[string][]got{"sub": {{"s.txt", 1, 8, "", false}}}
	if diff := cmp.Diff(want, bySecret(t, res, "sub")); diff != "" {
		t.Errorf("subfolder (-want +got):\n%s", diff)
	}
}

func TestScanFileURL(t *testing.T) {
	h := buildHistory(t)
	res := scan(t, "file://"+h.r.Path, Options{})
	found := bySecret(t, res, "edited", "branch", "tagonly", "stashed", "untracked")
	want := map[string][]got{
		"edited":  {{"config.py", 2, 8, h.c1.String(), true}},
		"branch":  {{"feature.txt", 1, 8, h.feature.String(), false}},
		"tagonly": {{"release.txt", 1, 8, h.tagged.String(), false}},
		"stashed": found["stashed"], // refs/stash is a ref like any other
	}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("clone findings (-want +got):\n%s", diff)
	}
	if res.Repository != filepath.Base(h.r.Path) || res.Root != "file://"+h.r.Path {
		t.Errorf("repository/root = %q %q", res.Repository, res.Root)
	}
	if _, err := Scan(context.Background(), "file://"+filepath.Join(t.TempDir(), "none"), markerMatcher{}, Options{}); err == nil {
		t.Error("clone of a missing repository: no error")
	}
}

func TestScanKeepAndProgress(t *testing.T) {
	r := gittest.New(t)
	r.Commit("meta", map[string]string{"force-app/main/default/connectedApps/App.connectedApp-meta.xml": "<v1/>", "other.txt": "x"})
	r.Commit("meta2", map[string]string{"force-app/main/default/connectedApps/App.connectedApp-meta.xml": "<v2/>"})
	r.Write(map[string]string{"force-app/main/default/connectedApps/New.connectedApp-meta.xml": "<new/>"})
	keep := func(p string) bool { return strings.HasSuffix(p, ".connectedApp-meta.xml") }
	var buf bytes.Buffer
	res := scan(t, r.Path, Options{KeepBlob: keep, Progress: &buf})
	var kept []string
	for _, b := range res.Kept {
		kept = append(kept, b.Path+"="+string(b.Data))
	}
	want := []string{
		"force-app/main/default/connectedApps/App.connectedApp-meta.xml=<v2/>",
		"force-app/main/default/connectedApps/New.connectedApp-meta.xml=<new/>",
	}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if buf.Len() == 0 {
		t.Error("no progress drawn")
	}
	bare := scan(t, gittest.Bare(t, r), Options{KeepBlob: keep})
	if len(bare.Kept) != 1 || string(bare.Kept[0].Data) != "<v2/>" {
		t.Errorf("bare kept = %+v", bare.Kept)
	}
}

func TestScanIncrementalHooks(t *testing.T) {
	r := gittest.New(t)
	r.Commit("one", map[string]string{"a.txt": line("a"), "b.txt": line("b")})
	var scanned []plumbing.Hash
	var mu = make(chan struct{}, 1)
	res := scan(t, r.Path, Options{
		SkipBlob: func(id plumbing.Hash) bool { return id == gittest.BlobHash(line("a")) },
		ScannedBlob: func(id plumbing.Hash) {
			mu <- struct{}{}
			scanned = append(scanned, id)
			<-mu
		},
	})
	if len(scanned) != 1 || scanned[0] != gittest.BlobHash(line("b")) {
		t.Errorf("scanned = %v", scanned)
	}
	if got := bySecret(t, res, "a", "b"); len(got["a"]) != 0 || len(got["b"]) != 1 {
		t.Errorf("findings = %v", got)
	}
}

func TestRepositoryName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"https with credentials and .git", "https://user:tok@GitHub.com/acme/billing.git", "github.com/acme/billing"},
		{"scp-like ssh", "git@github.com:acme/billing.git", "github.com/acme/billing"},
		{"ssh with port and trailing slash", "ssh://git@git.example.com:2222/team/repo/", "git.example.com/team/repo"},
		{"file URL: base name", "file:///srv/git/billing.git", "billing"},
		{"local path: base name", "/srv/git/billing", "billing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeRemote(tt.in); got != tt.want {
				t.Errorf("NormalizeRemote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	r := gittest.New(t)
	if got := RepositoryName(r.Path); got != filepath.Base(r.Path) {
		t.Errorf("no origin: %q", got)
	}
	r.SetOrigin("https://x-access-token:abc@github.com/acme/app.git")
	if got := RepositoryName(r.Path); got != "github.com/acme/app" {
		t.Errorf("origin: %q", got)
	}
	if got := RedactURL("https://x-access-token:abc@github.com/acme/app.git"); strings.Contains(got, "abc") {
		t.Errorf("RedactURL kept the token: %q", got)
	}
}

func TestReadRepoConfig(t *testing.T) {
	r := gittest.New(t)
	r.Commit("cfg", map[string]string{RepoConfigName: "committed = true\n"})
	r.Write(map[string]string{RepoConfigName: "worktree = true\n"})
	tests := []struct{ name, target, want string }{
		{"a working tree's own file wins", r.Path, "worktree = true\n"},
		{"a bare repository uses HEAD's file", gittest.Bare(t, r), "committed = true\n"},
		{"no file: nil", t.TempDir(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, name, err := ReadRepoConfig(tt.target)
			if err != nil || string(data) != tt.want || (tt.want != "" && name == "") {
				t.Errorf("= %q, %q, %v; want %q", data, name, err, tt.want)
			}
		})
	}
}

func TestLineColumn(t *testing.T) {
	data := []byte("ab\ncé\nxyz")
	tests := []struct{ off, line, col int }{{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {6, 2, 3}, {7, 3, 1}, {9, 3, 3}}
	var lc lineCounter
	for _, tt := range tests {
		l, c := lc.position(data, tt.off)
		if l != tt.line || c != tt.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
	if l, c := lc.position(data, 1); l != 1 || c != 2 {
		t.Errorf("going back: %d:%d", l, c)
	}
}
