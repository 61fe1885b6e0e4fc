package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/scanner/gittest"
)

// A damaged or oversized repository through the CLI: what can be read is reported, what
// cannot is in errors and stats, and the exit code follows the findings, not the damage.
func TestScanDamagedRepositoryCLI(t *testing.T) {
	r := gittest.New(t)
	r.Commit("one", map[string]string{"sync.py": leakyPython("damaged-kept")})
	lost := leakyPython("damaged-lost")
	r.Commit("two", map[string]string{"other.py": lost, "dump.sql": strings.Repeat("INSERT INTO t VALUES (1);\n", 4000)})
	if err := os.Remove(r.ObjectPath(gittest.BlobHash(lost))); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "scan", "--format", "json", "--max-file-size", "50000", r.Path)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1 (the readable leak)\n%s", code, stderr)
	}
	rep := decodeReport(t, stdout)
	paths := map[string]bool{}
	for _, f := range rep.Findings {
		paths[f.Path] = true
	}
	if !paths["sync.py"] || paths["other.py"] {
		t.Errorf("findings in %v: want sync.py only", paths)
	}
	if rep.Stats.MissingObjects != 1 || rep.Stats.SkippedLarge != 1 {
		t.Errorf("stats %+v: want one missing object and one large file skipped", rep.Stats)
	}
	found := false
	for _, e := range rep.Errors {
		if strings.Contains(e.Message, gittest.BlobHash(lost).String()) {
			found = true
		}
		if strings.ContainsAny(e.Source+e.Message, "\r\n") {
			t.Errorf("error spans lines: %+v", e)
		}
	}
	if !found {
		t.Errorf("errors %+v do not name the missing blob", rep.Errors)
	}
	if stderr != "" && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("stderr is more than one line: %q", stderr)
	}
}

// A mirror whose HEAD commit is lost is still scanned on every other branch; one of which
// nothing can be read is a failed scan (exit 2, one line naming it), not a clean one.
func TestScanUnreadableMirrorCLI(t *testing.T) {
	r := gittest.New(t)
	r.Commit("base", map[string]string{"README.md": "x\n"})
	r.Branch("other")
	r.Checkout("other")
	r.Commit("leak", map[string]string{"sync.py": leakyPython("mirror-other")})
	r.Checkout("main")
	lost := r.Commit("head", map[string]string{"notes.txt": "y\n"})
	bare := gittest.Bare(t, r) // a mirror, as sweeps keep: no working tree to fall back on
	drop := func(c plumbing.Hash) {
		h := c.String()
		if err := os.Remove(filepath.Join(bare, "objects", h[:2], h[2:])); err != nil {
			t.Fatal(err)
		}
	}
	drop(lost)
	code, stdout, stderr := runCLI(t, "scan", "--format", "json", bare)
	if code != exitFindings {
		t.Fatalf("HEAD lost: exit %d, want 1 (the other branch's leak)\n%s", code, stderr)
	}
	rep := decodeReport(t, stdout)
	if len(rep.Findings) == 0 || rep.Stats.MissingObjects == 0 {
		t.Errorf("HEAD lost: %d findings, stats %+v", len(rep.Findings), rep.Stats)
	}

	// The other branch's commit lost too: nothing can be read.
	h, err := os.ReadFile(filepath.Join(bare, "refs", "heads", "other"))
	if err != nil {
		t.Fatal(err)
	}
	drop(plumbing.NewHash(strings.TrimSpace(string(h))))
	code, _, stderr = runCLI(t, "scan", "--format", "json", bare)
	if code != exitError || !strings.Contains(stderr, bare) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("nothing readable: exit %d, stderr %q: want 2 and one line naming %s", code, stderr, bare)
	}
}
