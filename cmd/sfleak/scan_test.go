package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
)

// writeTree writes files (slash paths) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// leakyPython is a client-credentials integration with a literal key and secret.
func leakyPython(seed string) string {
	return `import requests
resp = requests.post("https://acme.my.salesforce.com/services/oauth2/token", data={
    "grant_type": "client_credentials",
    "client_id": "` + fakecred.ConsumerKey(seed) + `",
    "client_secret": "` + fakecred.ConsumerSecret(seed) + `",
})
`
}

func TestScanExitCodesAndFailOn(t *testing.T) {
	leaky := writeTree(t, map[string]string{"sync.py": leakyPython("exit")})
	clean := writeTree(t, map[string]string{"main.go": "package main\n\nfunc main() {}\n"})
	// Only a medium finding: a token call whose secret comes from the environment.
	medium := writeTree(t, map[string]string{"sync.py": `import os, requests
resp = requests.post("https://acme.my.salesforce.com/services/oauth2/token", data={
    "grant_type": "client_credentials",
    "client_id": os.environ["SF_CLIENT_ID"],
    "client_secret": os.environ["SF_CLIENT_SECRET"],
})
`})
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"findings exit 1", []string{"scan", "--no-git", leaky}, exitFindings},
		{"a clean tree exits 0", []string{"scan", "--no-git", clean}, exitOK},
		{"critical findings fail --fail-on critical", []string{"scan", "--no-git", "--fail-on", "critical", leaky}, exitFindings},
		{"a medium finding passes --fail-on high", []string{"scan", "--no-git", "--fail-on", "high", medium}, exitOK},
		{"a medium finding fails the default --fail-on low", []string{"scan", "--no-git", medium}, exitFindings},
		{"flags may follow the path", []string{"scan", leaky, "--no-git", "--format", "json"}, exitFindings},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.want {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.want, stderr)
			}
		})
	}
}

func TestScanBadInputIsOneLineNamingIt(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.txt": "hello\n"})
	badConfig := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(badConfig, []byte("[[rules]]\nid = \"custom\"\nregex = \"(unclosed\"\n"), 0o644)
	notTOML := filepath.Join(t.TempDir(), "broken.toml")
	os.WriteFile(notTOML, []byte("[allowlist\npaths = \n"), 0o644)
	corrupt := t.TempDir()
	os.MkdirAll(filepath.Join(corrupt, ".git"), 0o755)
	os.WriteFile(filepath.Join(corrupt, ".git", "HEAD"), []byte("garbage\n"), 0o644)
	missing := filepath.Join(t.TempDir(), "does-not-exist")

	cases := []struct {
		name    string
		args    []string
		mention string
	}{
		{"a missing path", []string{"scan", missing}, "does-not-exist"},
		{"a malformed --config regex", []string{"scan", "--config", badConfig, dir}, "bad.toml"},
		{"a --config that is not TOML", []string{"scan", "--config", notTOML, dir}, "broken.toml"},
		{"a missing --config", []string{"scan", "--config", missing, dir}, "does-not-exist"},
		{"a corrupt repository", []string{"scan", corrupt}, corrupt},
		{"an unknown format", []string{"scan", "--format", "yaml", dir}, "yaml"},
		{"an unknown --fail-on level", []string{"scan", "--fail-on", "severe", dir}, "severe"},
		{"no path at all", []string{"scan"}, "PATH"},
		{"an unknown flag", []string{"scan", "--frobnicate", dir}, "frobnicate"},
		{"a missing --baseline", []string{"scan", "--baseline", missing, dir}, "does-not-exist"},
		{"a missing --org", []string{"scan", "--org", missing, dir}, "does-not-exist"},
		{"--staged with --since", []string{"scan", "--staged", "--since", "main", dir}, "--staged"},
		{"an unknown command", []string{"scna", dir}, "scna"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			if code != exitError {
				t.Fatalf("exit %d, want 2 (stdout %q, stderr %q)", code, stdout, stderr)
			}
			msg := strings.TrimRight(stderr, "\n")
			if strings.Count(msg, "\n") != 0 || msg == "" {
				t.Errorf("want one line on stderr, got %q", stderr)
			}
			if !strings.Contains(msg, c.mention) {
				t.Errorf("error %q does not name %q", msg, c.mention)
			}
		})
	}
}

func TestScanUnreadableFileGoesIntoErrors(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("root reads every file; permissions cannot make one unreadable")
	}
	dir := writeTree(t, map[string]string{"sync.py": leakyPython("unreadable"), "locked.txt": "x\n"})
	os.Chmod(filepath.Join(dir, "locked.txt"), 0o000)
	code, stdout, stderr := runCLI(t, "scan", "--no-git", "--format", "json", dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	r := decodeReport(t, stdout)
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Source+r.Errors[0].Message, "locked.txt") {
		t.Errorf("errors = %+v, want one naming locked.txt", r.Errors)
	}
}

func TestScanOneMissingTargetDoesNotLoseTheOthers(t *testing.T) {
	leaky := writeTree(t, map[string]string{"sync.py": leakyPython("others")})
	missing := filepath.Join(t.TempDir(), "gone")
	code, stdout, stderr := runCLI(t, "scan", "--no-git", "--format", "json", missing, leaky)
	if code != exitError {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "gone") {
		t.Errorf("stderr %q does not name the missing target", stderr)
	}
	r := decodeReport(t, stdout)
	if len(r.Findings) == 0 {
		t.Error("the readable target's findings were lost")
	}
	if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Source, "gone") {
		t.Errorf("errors = %+v, want the missing target", r.Errors)
	}
}

func TestScanRedactsUnlessNoRedact(t *testing.T) {
	secret := fakecred.ConsumerSecret("redact")
	dir := writeTree(t, map[string]string{"sync.py": leakyPython("redact")})
	for _, format := range report.Formats() {
		_, stdout, _ := runCLI(t, "scan", "--no-git", "--format", format, dir)
		if strings.Contains(stdout, secret) {
			t.Errorf("%s output holds the raw secret", format)
		}
	}
	_, stdout, _ := runCLI(t, "scan", "--no-git", "--no-redact", "--format", "json", dir)
	if !strings.Contains(stdout, secret) {
		t.Error("--no-redact did not print the secret")
	}
}

func TestScanOutputFileAndFormats(t *testing.T) {
	dir := writeTree(t, map[string]string{"sync.py": leakyPython("output")})
	out := filepath.Join(t.TempDir(), "r.sarif")
	code, stdout, _ := runCLI(t, "scan", "--no-git", "--format", "sarif", "--output", out, dir)
	if code != exitFindings || stdout != "" {
		t.Fatalf("exit %d, stdout %q: want 1 and nothing on stdout", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), `"version": "2.1.0"`) {
		t.Fatalf("sarif output: %v %.200s", err, data)
	}
	code, _, stderr := runCLI(t, "scan", "--no-git", "--output", filepath.Join(t.TempDir(), "no", "such", "dir", "r.json"), dir)
	if code != exitError || !strings.Contains(stderr, "--output") {
		t.Errorf("unwritable --output: exit %d, stderr %q", code, stderr)
	}
}

func TestScanBaselineReportsOnlyNewFindings(t *testing.T) {
	dir := writeTree(t, map[string]string{"sync.py": leakyPython("baseline-old")})
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, stderr := runCLI(t, "scan", "--no-git", "--format", "json", "--output", base, dir); code != exitFindings {
		t.Fatalf("baseline scan exit %d: %s", code, stderr)
	}
	// With the baseline and nothing new: clean.
	code, stdout, _ := runCLI(t, "scan", "--no-git", "--format", "json", "--baseline", base, dir)
	if r := decodeReport(t, stdout); code != exitOK || len(r.Findings) != 0 {
		t.Fatalf("exit %d with %d findings, want 0 and none", code, len(r.Findings))
	}
	// A new secret added: exactly one finding, and it fails the run.
	os.WriteFile(filepath.Join(dir, "later.env"), []byte("SALESFORCE_CLIENT_SECRET="+fakecred.ConsumerSecret("baseline-new")+"\n"), 0o644)
	code, stdout, _ = runCLI(t, "scan", "--no-git", "--format", "json", "--baseline", base, dir)
	r := decodeReport(t, stdout)
	if code != exitFindings || len(r.Findings) != 1 || r.Findings[0].Path != "later.env" {
		t.Errorf("exit %d, findings %+v: want exactly the new one", code, r.Findings)
	}
}

func TestScanHonoursRepoConfigAndInlineAllow(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"fixtures/sync.py": leakyPython("repo-config"),
		"app/sync.py":      leakyPython("inline") + "# the key above is a test key sfleak:allow\n",
		".sfleak.toml":     "[allowlist]\npaths = [\"fixtures/**\"]\n",
	})
	_, stdout, _ := runCLI(t, "scan", "--no-git", "--format", "json", dir)
	r := decodeReport(t, stdout)
	for _, f := range r.Findings {
		if f.Path == "fixtures/sync.py" {
			t.Errorf("the repository's .sfleak.toml did not hide %s:%d", f.Path, f.Line)
		}
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Path == "app/sync.py"
	}
	if !found {
		t.Error("an allow comment below the secret must not hide it")
	}
}

func TestScanNoGitReadsFilesNotHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git CLI not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "2024-01-01T00:00:00Z", "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "sync.py"), []byte(leakyPython("nogit")), 0o644)
	gitRun(t, dir, "2024-01-01T00:00:00Z", "add", "-A")
	gitRun(t, dir, "2024-01-01T00:00:00Z", "commit", "-q", "-m", "leak")
	gitRun(t, dir, "2024-01-02T00:00:00Z", "rm", "-q", "sync.py")
	gitRun(t, dir, "2024-01-02T00:00:00Z", "commit", "-q", "-m", "remove")

	code, stdout, _ := runCLI(t, "scan", "--format", "json", dir)
	if r := decodeReport(t, stdout); code != exitFindings || len(r.Findings) == 0 || r.Findings[0].InHead {
		t.Errorf("history scan: exit %d, %d findings: want the deleted file's secret, not in HEAD", code, len(r.Findings))
	}
	code, stdout, _ = runCLI(t, "scan", "--no-git", "--format", "json", dir)
	if r := decodeReport(t, stdout); code != exitOK || len(r.Findings) != 0 {
		t.Errorf("--no-git: exit %d, %d findings: want the plain files only (none)", code, len(r.Findings))
	}
}

func TestRulesAndVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "rules")
	if code != exitOK {
		t.Fatalf("rules exit %d", code)
	}
	for _, id := range []string{"sf-consumer-key", "sf-consumer-secret", "sf-client-credentials-call", "sf-password-grant",
		"sf-access-token", "sf-refresh-token", "sf-sfdx-auth-url", "sf-connected-app-cc-enabled", "sf-jwt-private-key"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("rules does not list %s", id)
		}
	}
	if code, stdout, _ := runCLI(t, "version"); code != exitOK || !strings.HasPrefix(stdout, "sfleak ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestBuiltBinary runs the real binary once, as users and CI do.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sfleak")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := writeTree(t, map[string]string{"sync.py": leakyPython("binary")})
	cmd := exec.Command(bin, "scan", "--no-git", "--format", "json", dir)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("binary: err %v, want exit 1", err)
	}
	if r := decodeReport(t, string(out)); len(r.Findings) == 0 || r.Tool.Name != "sfleak" {
		t.Errorf("binary report: %d findings, tool %q", len(r.Findings), r.Tool.Name)
	}
	cmd = exec.Command(bin, "scan", filepath.Join(dir, "missing"))
	stderr, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(stderr), "missing") {
		t.Errorf("binary on a missing path: exit %d, %q", cmd.ProcessState.ExitCode(), stderr)
	}
}
