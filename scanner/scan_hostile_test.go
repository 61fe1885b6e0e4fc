package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// Hostile repositories: damaged clones, enormous and deep trees, odd bytes and odd names.
// A damaged repository is scanned as far as it can be read; what is missing is reported in
// Errors and Stats.MissingObjects, and Scan fails only when nothing could be read.

// scanWithin scans target and fails the test if the scan takes longer than d (a hang).
func scanWithin(t *testing.T, d time.Duration, target string, opts Options) (*Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	type out struct {
		res *Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := Scan(ctx, target, markerMatcher{}, opts)
		ch <- out{res, err}
	}()
	select {
	case o := <-ch:
		if ctx.Err() != nil {
			t.Fatalf("Scan(%s) ran into its %v deadline", target, d)
		}
		return o.res, o.err
	case <-time.After(d + 5*time.Second):
		t.Fatalf("Scan(%s) did not return %v after its deadline", target, 5*time.Second)
		return nil, nil
	}
}

// checkErrors fails unless every error is one line and names the repository.
func checkErrors(t *testing.T, res *Result, repo string) {
	t.Helper()
	for _, e := range res.Errors {
		if strings.ContainsAny(e.Source+e.Message, "\r\n") {
			t.Errorf("error spans lines: %+v", e)
		}
		if e.Source != repo {
			t.Errorf("error source %q, want the repository %q", e.Source, repo)
		}
	}
}

// packFile returns the repository's single packfile after Pack.
func packFile(t *testing.T, r *gittest.Repo) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(r.Path, ".git", "objects", "pack", "*.pack"))
	if err != nil || len(m) != 1 {
		t.Fatalf("packs: %v %v", m, err)
	}
	return m[0]
}

func TestHostileMissingObjects(t *testing.T) {
	t.Run("a missing tree: the rest of the history is scanned and the tree reported", func(t *testing.T) {
		r := gittest.New(t)
		c1 := r.Commit("one", map[string]string{"a.txt": line("kept")})
		r.Commit("two", map[string]string{"sub/b.txt": line("lost")})
		// The subtree "sub" exists only in commit two.
		sub := r.WriteTree(map[string]plumbing.Hash{"b.txt": gittest.BlobHash(line("lost"))})
		if err := os.Remove(r.ObjectPath(sub)); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Fatal(err)
		}
		gotF := bySecret(t, res, "kept", "lost")
		if len(gotF["kept"]) != 1 || gotF["kept"][0].Commit != c1.String() || len(gotF["lost"]) != 0 {
			t.Errorf("findings = %v", gotF)
		}
		if res.Stats.MissingObjects < 1 || !hasError(res, sub.String()+": object missing") {
			t.Errorf("missing=%d errors=%v", res.Stats.MissingObjects, res.Errors)
		}
		checkErrors(t, res, r.Path)
	})

	t.Run("a missing parent commit (a damaged or shallow-like clone): newer commits still scanned", func(t *testing.T) {
		r := gittest.New(t)
		c1 := r.Commit("one", map[string]string{"old.txt": line("old")})
		c2 := r.Commit("two", map[string]string{"new.txt": line("new")})
		if err := os.Remove(r.ObjectPath(c1)); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Fatal(err)
		}
		gotF := bySecret(t, res, "old", "new")
		if len(gotF["new"]) != 1 || gotF["new"][0].Commit != c2.String() {
			t.Errorf("new = %v, want found in %s", gotF["new"], c2)
		}
		// old.txt's blob is still in c2's tree, so it is scanned too; its introducing commit
		// cannot be older than what is readable.
		if len(gotF["old"]) != 1 {
			t.Errorf("old = %v: the blob is still reachable from c2's tree", gotF["old"])
		}
		if res.Stats.MissingObjects < 1 || !hasError(res, c1.String()+": object missing") {
			t.Errorf("missing=%d errors=%v", res.Stats.MissingObjects, res.Errors)
		}
		checkErrors(t, res, r.Path)
	})

	t.Run("every commit missing: nothing could be read, so Scan fails naming the repository", func(t *testing.T) {
		r := gittest.New(t)
		c1 := r.Commit("one", map[string]string{"a.txt": line("a")})
		if err := os.Remove(r.ObjectPath(c1)); err != nil {
			t.Fatal(err)
		}
		_, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err == nil || !strings.Contains(err.Error(), r.Path) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, want one line naming %s", err, r.Path)
		}
	})

	t.Run("a loose object with garbage content: reported, not missing, the rest scanned", func(t *testing.T) {
		r := gittest.New(t)
		r.Commit("one", map[string]string{"a.txt": line("kept"), "b.txt": line("garbled")})
		p := r.ObjectPath(gittest.BlobHash(line("garbled")))
		_ = os.Chmod(p, 0o644)
		if err := os.WriteFile(p, []byte("this is not zlib at all"), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Fatal(err)
		}
		gotF := bySecret(t, res, "kept", "garbled")
		if len(gotF["kept"]) != 1 || len(gotF["garbled"]) != 0 {
			t.Errorf("findings = %v", gotF)
		}
		if !hasError(res, "blob b.txt") {
			t.Errorf("errors = %v, want one for blob b.txt", res.Errors)
		}
		checkErrors(t, res, r.Path)
	})
}

func hasError(res *Result, sub string) bool {
	for _, e := range res.Errors {
		if strings.Contains(e.Message, sub) {
			return true
		}
	}
	return false
}

// packedRepo is a history of several commits, packed into one packfile.
func packedRepo(t *testing.T) (*gittest.Repo, []string) {
	r := gittest.New(t)
	var names []string
	for i := 0; i < 12; i++ {
		n := "p" + string(rune('a'+i))
		names = append(names, n)
		r.Commit("commit "+n, map[string]string{n + ".txt": line(n) + strings.Repeat("filler line of text "+n+"\n", 200)})
	}
	r.Pack()
	return r, names
}

func TestHostileDamagedPack(t *testing.T) {
	t.Run("a truncated pack: what can be read is scanned, the rest reported, or a one-line error", func(t *testing.T) {
		r, names := packedRepo(t)
		p := packFile(t, r)
		fi, _ := os.Stat(p)
		if err := os.Truncate(p, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Logf("Scan: %v", err)
			if !strings.Contains(err.Error(), r.Path) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line naming the repository", err)
			}
			return
		}
		t.Logf("%d findings, errors %v", len(res.Findings), res.Errors)
		if len(res.Errors) == 0 {
			t.Errorf("a truncated pack gave no error; findings=%d", len(res.Findings))
		}
		if len(bySecret(t, res, names...)) == len(names) {
			t.Errorf("every secret found in a half pack")
		}
		checkErrors(t, res, r.Path)
	})

	t.Run("a pack with corrupt bytes in the middle: scanned around, reported", func(t *testing.T) {
		r, names := packedRepo(t)
		p := packFile(t, r)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(data) / 3; i < len(data)/3+len(data)/4; i++ {
			data[i] ^= 0x5a
		}
		_ = os.Chmod(p, 0o644)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Logf("Scan: %v", err)
			if !strings.Contains(err.Error(), r.Path) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line naming the repository", err)
			}
			return
		}
		t.Logf("%d findings, errors %v", len(res.Findings), res.Errors)
		if len(res.Errors) == 0 {
			t.Errorf("a corrupt pack gave no error")
		}
		if n := len(bySecret(t, res, names...)); n == len(names) {
			t.Errorf("found all %d secrets through a corrupt pack", n)
		}
		checkErrors(t, res, r.Path)
	})

	t.Run("a pack without its index: a one-line error or an empty history, never a panic", func(t *testing.T) {
		r, _ := packedRepo(t)
		idx := strings.TrimSuffix(packFile(t, r), ".pack") + ".idx"
		if err := os.Remove(idx); err != nil {
			t.Fatal(err)
		}
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %q spans lines", err)
			}
			return
		}
		checkErrors(t, res, r.Path)
	})
}

func TestHostileEnormousFiles(t *testing.T) {
	const big = 50 << 20
	content := line("enormous") + strings.Repeat("A", big)

	measure := func(t *testing.T, target string, opts Options) (*Result, uint64) {
		t.Helper()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := scanWithin(t, 2*time.Minute, target, opts)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return res, after.TotalAlloc - before.TotalAlloc
	}

	t.Run("a 50 MB file on disk over the limit is skipped and counted without being read", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "dump.sql"), []byte(content), 0o644)
		os.WriteFile(filepath.Join(dir, "small.txt"), []byte(line("small")), 0o644)
		res, alloc := measure(t, dir, Options{Jobs: 2})
		if res.Stats.SkippedLarge != 1 || len(bySecret(t, res, "small")) != 1 || len(bySecret(t, res, "enormous")) != 0 {
			t.Errorf("stats=%+v findings=%v", res.Stats, res.Findings)
		}
		if alloc > 16<<20 {
			t.Errorf("allocated %d MiB to skip a 50 MiB file", alloc>>20)
		}
	})

	t.Run("a 50 MB blob in history over --max-file-size is skipped and counted without being inflated", func(t *testing.T) {
		r := gittest.New(t)
		r.Commit("dump", map[string]string{"dump.sql": content, "small.txt": line("small")})
		res, alloc := measure(t, r.Path, Options{Jobs: 2, MaxFileSize: 1 << 20, Worktree: new(bool)})
		if res.Stats.SkippedLarge != 1 || len(bySecret(t, res, "small")) != 1 || len(bySecret(t, res, "enormous")) != 0 {
			t.Errorf("stats=%+v findings=%v", res.Stats, res.Findings)
		}
		if alloc > 16<<20 {
			t.Errorf("allocated %d MiB to skip a 50 MiB blob", alloc>>20)
		}
	})
}

func TestHostileDeepTree(t *testing.T) {
	var parts []string
	for i := 0; i < 200; i++ {
		parts = append(parts, "d"+string(rune('a'+i%26)))
	}
	deep := strings.Join(parts, "/") + "/secret.txt"

	t.Run("200 nested directories in history", func(t *testing.T) {
		r := gittest.New(t)
		r.SetRef("refs/heads/main", r.CommitFiles("deep", map[string]string{deep: line("deep")}))
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Fatal(err)
		}
		if g := bySecret(t, res, "deep")["deep"]; len(g) != 1 || g[0].Path != deep || !g[0].InHead {
			t.Errorf("deep = %v", g)
		}
	})
	t.Run("200 nested directories on disk", func(t *testing.T) {
		dir := t.TempDir()
		full := filepath.Join(dir, filepath.FromSlash(deep))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Skipf("file system refuses the depth: %v", err)
		}
		os.WriteFile(full, []byte(line("deep")), 0o644)
		res, err := scanWithin(t, time.Minute, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if g := bySecret(t, res, "deep")["deep"]; len(g) != 1 || g[0].Path != deep {
			t.Errorf("deep = %v", g)
		}
	})
}

func TestHostileBytes(t *testing.T) {
	files := map[string]string{
		"invalid-utf8.txt": "\xff\xfe\xc3(\xa0\xa1 " + line("utf8") + "\xed\xa0\x80\n",
		"crlf.txt":         "one\r\ntwo\r\n  " + line("crlf"),
		"cr-only.txt":      "one\rtwo\r" + line("cr"),
		"nul-early.bin":    "ab\x00cd\n" + line("nulearly"),
		"nul-late.txt":     strings.Repeat("x", binarySniffLen) + "\x00\n" + line("nullate"),
		"bom.txt":          "\xef\xbb\xbf" + line("bom"),
	}
	want := map[string][]got{
		"utf8":    {{"invalid-utf8.txt", 1, 15, "", true}}, // invalid bytes count one column each
		"crlf":    {{"crlf.txt", 3, 10, "", true}},
		"cr":      {{"cr-only.txt", 1, 16, "", true}}, // a lone CR is not a line break (as git)
		"nullate": {{"nul-late.txt", 2, 8, "", true}}, // NUL past git's 8000-byte sniff: text
		"bom":     {{"bom.txt", 1, 9, "", true}},
	}
	names := []string{"utf8", "crlf", "cr", "nulearly", "nullate", "bom"}

	t.Run("in history", func(t *testing.T) {
		r := gittest.New(t)
		c := r.Commit("odd bytes", files)
		res, err := scanWithin(t, time.Minute, r.Path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := map[string][]got{}
		for k, v := range want {
			g := v[0]
			g.Commit = c.String()
			w[k] = []got{g}
		}
		if diff := diffGot(w, bySecret(t, res, names...)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if res.Stats.SkippedBinary != 1 {
			t.Errorf("skipped binary = %d, want 1 (NUL in the first 8000 bytes)", res.Stats.SkippedBinary)
		}
	})
	t.Run("on disk", func(t *testing.T) {
		dir := t.TempDir()
		for p, c := range files {
			os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
		}
		res, err := scanWithin(t, time.Minute, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := map[string][]got{}
		for k, v := range want {
			g := v[0]
			g.InHead = false
			w[k] = []got{g}
		}
		if diff := diffGot(w, bySecret(t, res, names...)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}

func diffGot(want, got map[string][]got) string {
	a, _ := json.MarshalIndent(want, "", " ")
	b, _ := json.MarshalIndent(got, "", " ")
	if bytes.Equal(a, b) {
		return ""
	}
	return "want " + string(a) + "\ngot  " + string(b)
}

func TestHostileSymlinksInARepository(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte(line("outside")), 0o644)

	r := gittest.New(t)
	r.Commit("one", map[string]string{"a.txt": "x\n"})
	// A committed symlink to a file outside the tree: its blob is the target path.
	r.Symlink("committed-link", filepath.Join(outside, "secret.txt"))
	r.Commit("link", nil)
	// Untracked symlinks in the working tree, to a file and to a directory outside.
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(r.Path, "untracked-link.txt"))
	os.Symlink(outside, filepath.Join(r.Path, "untracked-dir"))

	res, err := scanWithin(t, time.Minute, r.Path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g := bySecret(t, res, "outside"); len(g) != 0 {
		t.Errorf("a symlink was followed out of the tree: %v", g)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Path, "untracked-dir/") {
			t.Errorf("walked into a symlinked directory: %s", f.Path)
		}
	}
}

func TestHostileFileNames(t *testing.T) {
	names := []string{
		"new\nline.txt",
		"tab\there.txt",
		"$(touch pwned);`id`|&<>*?'\".txt",
		"esc\x1b[31mred.txt",
		"dir with space/-rf --no-preserve-root.txt",
		"ünïcødé/名前.txt",
	}
	files := map[string]string{}
	for i, n := range names {
		files[n] = line("name" + string(rune('a'+i)))
	}
	check := func(t *testing.T, res *Result) {
		t.Helper()
		byPath := map[string]bool{}
		for _, f := range res.Findings {
			byPath[f.Path] = true
		}
		for _, n := range names {
			if !byPath[n] {
				t.Errorf("no finding at %q (have %v)", n, byPath)
			}
		}
		// The path survives a JSON round trip byte for byte.
		rep := &report.Report{Findings: res.Findings, Exposures: []report.Exposure{}, Errors: res.Errors}
		var buf bytes.Buffer
		if err := (report.JSONWriter{}).Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		back, err := report.ParseReport("x.json", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range back.Findings {
			if f.Path != res.Findings[i].Path {
				t.Errorf("JSON round trip changed %q to %q", res.Findings[i].Path, f.Path)
			}
		}
		// Text output escapes control characters: no raw newline or ESC from a file name.
		buf.Reset()
		w, _ := report.NewWriter("text", report.WriterOptions{})
		if err := w.Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("\x1b")) || bytes.Contains(buf.Bytes(), []byte("new\nline")) || bytes.Contains(buf.Bytes(), []byte("tab\there")) {
			t.Errorf("text output carries raw control characters from file names:\n%q", buf.String())
		}
	}
	t.Run("in history", func(t *testing.T) {
		r := gittest.New(t)
		// Written as objects: go-git's worktree refuses control characters in names, git
		// itself and other tools do not.
		r.SetRef("refs/heads/main", r.CommitFiles("odd names", files))
		res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res)
	})
	t.Run("on disk", func(t *testing.T) {
		dir := t.TempDir()
		for p, c := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := scanWithin(t, time.Minute, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res)
	})
}

// rawTree stores a tree object with the given raw entries (mode strings as written), which
// go-git's encoder would canonicalise.
func rawTree(t *testing.T, r *gittest.Repo, entries ...string) plumbing.Hash {
	t.Helper()
	obj := r.Git.Storer.NewEncodedObject()
	obj.SetType(plumbing.TreeObject)
	w, _ := obj.Writer()
	for _, e := range entries {
		w.Write([]byte(e))
	}
	w.Close()
	h, err := r.Git.Storer.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func entry(mode, name string, h plumbing.Hash) string {
	return mode + " " + name + "\x00" + string(h[:])
}

// Trees written by old or odd tools (or crafted) carry non-canonical modes that git still
// checks out as files and directories: none of them may hide a file from the scan.
func TestHostileTreeModesHideNothing(t *testing.T) {
	r := gittest.New(t)
	b := func(name string) plumbing.Hash { return r.WriteBlob(line(name)) }
	sub := rawTree(t, r, entry("100644", "inner.txt", b("indir")))
	root := rawTree(t, r,
		entry("100600", "a-private.txt", b("m100600")),
		entry("100664", "b-group.txt", b("m100664")),
		entry("100775", "c-exec.sh", b("m100775")),
		entry("40755", "d-dir", sub),
	)
	r.SetRef("refs/heads/main", r.WriteCommit("odd modes", root))
	res, err := scanWithin(t, time.Minute, r.Path, Options{Worktree: new(bool)})
	if err != nil {
		t.Fatal(err)
	}
	g := bySecret(t, res, "m100600", "m100664", "m100775", "indir")
	for _, n := range []string{"m100600", "m100664", "m100775", "indir"} {
		if len(g[n]) != 1 {
			t.Errorf("%s: %v, want one finding (git checks this entry out as a file)", n, g[n])
		}
	}
	if got := g["indir"]; len(got) == 1 && got[0].Path != "d-dir/inner.txt" {
		t.Errorf("path %q", got[0].Path)
	}
}
