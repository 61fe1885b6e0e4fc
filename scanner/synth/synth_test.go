package synth

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tiny is small enough that Generate runs in well under a second.
var tiny = Config{Commits: 60, Files: 25, BytesPerFile: 1500, FilesPerCommit: 3, Seed: 7, Plants: 12, Churn: 0.25, KeywordLines: 0.05}

func gitOut(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	return string(out), err
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	ma, err := Generate(a, tiny)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := Generate(b, tiny)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ma, mb) {
		t.Fatalf("same seed, different manifests:\n%+v\n%+v", ma, mb)
	}
	refs := func(dir string) string {
		out, err := gitOut(t, dir, "for-each-ref", "--format=%(objectname) %(refname)")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if ra, rb := refs(a), refs(b); ra != rb {
		t.Fatalf("same seed, different commit ids:\n%s\n%s", ra, rb)
	}
	other := tiny
	other.Seed++
	mc, err := Generate(filepath.Join(t.TempDir(), "c"), other)
	if err != nil {
		t.Fatal(err)
	}
	if mc.Head == ma.Head {
		t.Fatal("a different seed gave the same history")
	}
}

// onLine is text the reported line must hold for each rule, per the reporting contract.
var onLine = map[string]string{
	ruleConsumerKey:       "3MVG9",
	ruleConsumerSecret:    "secret",
	ruleClientCredentials: `"client_credentials"`,
	rulePasswordGrant:     `"password": "`,
	ruleAccessToken:       `SESSION_ID = "00D`,
	ruleRefreshToken:      "=5Aep861",
	ruleSFDXAuthURL:       "force://",
	ruleConnectedAppCC:    "<isClientCredentialEnabled>true<",
	ruleJWTPrivateKey:     "-----BEGIN RSA PRIVATE KEY-----",
}

func TestManifestMatchesRepository(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	m, err := Generate(dir, tiny)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := ReadManifest(ManifestPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(disk.Plants, stripInternal(m.Plants)) || disk.Head != m.Head {
		t.Fatal("manifest.json differs from the returned manifest")
	}
	if n, _ := gitOut(t, dir, "rev-list", "--all", "--count"); strings.TrimSpace(n) != "60" {
		t.Errorf("rev-list --all --count = %q, want 60", n)
	}
	seen := map[string]bool{}
	for _, p := range m.Plants {
		seen[p.RuleID] = true
		name := p.Kind + " " + p.RuleID + " " + p.Path
		blob, err := gitOut(t, dir, "show", p.Commit+":"+p.Path)
		if err != nil {
			t.Fatalf("%s: not in its introducing commit %s", name, p.Commit)
		}
		lines := strings.Split(blob, "\n")
		if p.Line < 1 || p.Line > len(lines) || !strings.Contains(lines[p.Line-1], onLine[p.RuleID]) {
			t.Fatalf("%s: line %d does not hold %q", name, p.Line, onLine[p.RuleID])
		}
		text := lines[p.Line-1]
		// Introducing: no parent's version of the path holds the line.
		parents, _ := gitOut(t, dir, "rev-list", "--parents", "-n1", p.Commit)
		for _, parent := range strings.Fields(parents)[1:] {
			if old, err := gitOut(t, dir, "show", parent+":"+p.Path); err == nil && strings.Contains(old, text) {
				t.Errorf("%s: parent %s already holds the line", name, parent)
			}
		}
		_, err = gitOut(t, dir, "merge-base", "--is-ancestor", p.Commit, "main")
		if merged := err == nil; merged != p.Merged {
			t.Errorf("%s: merged = %v, manifest says %v", name, merged, p.Merged)
		}
		head, _ := gitOut(t, dir, "show", "main:"+p.Path)
		if inHead := strings.Contains(head, text); inHead != p.InHead {
			t.Errorf("%s: in main = %v, manifest says %v", name, inHead, p.InHead)
		}
		if p.RemovedIn != "" {
			if after, _ := gitOut(t, dir, "show", p.RemovedIn+":"+p.Path); strings.Contains(after, text) {
				t.Errorf("%s: still there after its removal in %s", name, p.RemovedIn)
			}
		}
	}
	for rule := range onLine {
		if !seen[rule] {
			t.Errorf("no plant for rule %s", rule)
		}
	}
	fates := map[string]int{}
	for _, p := range m.Plants {
		switch {
		case !p.Merged:
			fates["unmerged"]++
		case p.RemovedIn != "":
			fates["removed"]++
		case p.Branch != "main":
			fates["merged branch"]++
		default:
			fates["main"]++
		}
	}
	if len(fates) != 4 {
		t.Errorf("plant fates %v: want all four", fates)
	}
}

func stripInternal(ps []Plant) []Plant {
	out := make([]Plant, len(ps))
	for i, p := range ps {
		out[i] = Plant{Set: p.Set, Kind: p.Kind, RuleID: p.RuleID, Path: p.Path, Commit: p.Commit, Line: p.Line,
			Branch: p.Branch, Merged: p.Merged, RemovedIn: p.RemovedIn, InHead: p.InHead}
	}
	return out
}
