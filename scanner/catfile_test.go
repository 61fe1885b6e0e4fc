package scanner

import (
	"os"
	"path/filepath"
	"testing"

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
