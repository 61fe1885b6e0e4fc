package main

import (
	"os"
	"strings"
	"testing"

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
