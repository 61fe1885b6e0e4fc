package scanner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/google/go-cmp/cmp"
)

// Blobs are read through git cat-file when git is on PATH and through go-git otherwise; the
// two must give the same findings, provenance and stats.
func TestScanSameWithAndWithoutGitBinary(t *testing.T) {
	h := buildHistory(t)
	with := scan(t, h.r.Path, Options{MaxFileSize: 4096, Jobs: 2})
	t.Setenv("PATH", t.TempDir()) // no git here
	without := scan(t, h.r.Path, Options{MaxFileSize: 4096, Jobs: 2})
	if diff := cmp.Diff(without.Findings, with.Findings); diff != "" {
		t.Errorf("findings (-go-git +cat-file):\n%s", diff)
	}
	with.Stats.DurationMS, without.Stats.DurationMS = 0, 0
	if diff := cmp.Diff(without.Stats, with.Stats); diff != "" {
		t.Errorf("stats (-go-git +cat-file):\n%s", diff)
	}
	if len(with.Findings) == 0 {
		t.Fatal("no findings: the comparison proves nothing")
	}
}

// A git that starts but refuses the repository (as it does for safe.directory) makes the
// worker fall back to go-git without losing a blob, whether it dies before or after the
// first requests are written.
func TestCatFileFailureFallsBackToGoGit(t *testing.T) {
	h := buildHistory(t)
	want := scan(t, h.r.Path, Options{Jobs: 2})
	for name, script := range map[string]string{
		"exits at once":         "#!/bin/sh\nexit 128\n",
		"exits after a request": "#!/bin/sh\nread line\nexit 128\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "git"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir)
			got := scan(t, h.r.Path, Options{Jobs: 2})
			if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIntroducedByAppliesTheTreeDiffPredicate(t *testing.T) {
	const a, b = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	ha, _ := parseHash(a)
	targets := map[plumbing.Hash]bool{ha: true}
	zero := strings.Repeat("0", 40)
	for _, c := range []struct {
		name, meta string
		want       bool
	}{
		{"added file", ":000000 100644 " + zero + " " + a + " A", true},
		{"modified file", ":100644 100644 " + b + " " + a + " M", true},
		{"mode change only", ":100644 100755 " + a + " " + a + " M", false},
		{"not a target", ":100644 100644 " + a + " " + b + " M", false},
		{"symlink", ":000000 120000 " + zero + " " + a + " A", false},
		{"was a symlink", ":120000 100644 " + a + " " + a + " T", true},
		{"merge, new to both parents", "::100644 100644 100644 " + b + " " + b + " " + a + " MM", true},
		{"merge, second parent had it", "::100644 100644 100644 " + b + " " + a + " " + a + " MM", false},
		{"malformed", ":100644 " + a + " M", false},
	} {
		_, got := introducedBy(c.meta, "p.txt", targets)
		if got != c.want {
			t.Errorf("%s: introduced = %v, want %v", c.name, got, c.want)
		}
	}
}
