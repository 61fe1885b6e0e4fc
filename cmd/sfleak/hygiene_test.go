package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/gittest"
)

// Secret hygiene, end to end through the built binary: no planted raw value may appear in
// any report format, stderr, a merged or triage report, the sweep state database or the
// clone cache, unless --no-redact asks for it; the GitHub token appears nowhere at all.

// buildSfleak builds the CLI into a temporary directory.
func buildSfleak(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sfleak")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hygRun is one run of the built binary.
type hygRun struct {
	args           []string
	code           int
	stdout, stderr []byte
}

func runBin(t *testing.T, bin string, env []string, stdin string, args ...string) hygRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return hygRun{args, code, stdout.Bytes(), stderr.Bytes()}
}

// planted is a set of raw values that must not leak, by name.
type planted map[string]string

// leaks returns the names of planted values found in data: the whole value, or its last 16
// characters (redaction keeps a short prefix only, so a suffix is always a leak).
func (p planted) leaks(data []byte) []string {
	var out []string
	for name, v := range p {
		if bytes.Contains(data, []byte(v)) || (len(v) >= 24 && bytes.Contains(data, []byte(v[len(v)-16:]))) {
			out = append(out, name)
		}
	}
	return out
}

func (p planted) check(t *testing.T, what string, data []byte) {
	t.Helper()
	if l := p.leaks(data); len(l) > 0 {
		t.Errorf("%s holds raw %v", what, l)
	}
}

// hygieneRepo is a git repository holding one of every credential, in HEAD, in history only,
// in the working tree, and in metadata.
func hygieneRepo(t *testing.T) (string, planted) {
	key, sec := fakecred.ConsumerKey("hyg"), fakecred.ConsumerSecret("hyg")
	p := planted{
		"consumer key":         key,
		"consumer secret":      sec,
		"legacy secret":        fakecred.LegacyConsumerSecret("hyg"),
		"access token":         fakecred.AccessToken("hyg"),
		"refresh token":        fakecred.RefreshToken("hyg"),
		"sfdx refresh":         fakecred.RefreshToken("hygsfdx"),
		"password":             fakecred.Password("hyg"),
		"deleted secret":       fakecred.ConsumerSecret("hygdeleted"),
		"worktree secret":      fakecred.ConsumerSecret("hygworktree"),
		"metadata secret":      fakecred.ConsumerSecret("hygmeta"),
		"private key body":     strings.Split(fakecred.PrivateKeyPEM("hyg"), "\n")[2],
		"security token":       fakecred.SecurityToken("hyg"),
		"sfdx consumer secret": fakecred.ConsumerSecret("hygsfdx"),
	}
	r := gittest.New(t)
	r.Commit("add integrations", map[string]string{
		"sync.py": "import requests\nrequests.post('https://acme.my.salesforce.com/services/oauth2/token', data={\n" +
			"    'grant_type': 'client_credentials',\n    'client_id': '" + key + "',\n    'client_secret': '" + sec + "',\n})\n",
		"legacy.properties": "salesforce.consumer.key=" + key + "\nsalesforce.consumer.secret=" + p["legacy secret"] + "\n",
		".env": "SF_ACCESS_TOKEN=" + p["access token"] + "\nSF_REFRESH_TOKEN=" + p["refresh token"] + "\n" +
			"SFDX_AUTH_URL=" + fakecred.SFDXAuthURL("hygsfdx", key, p["sfdx consumer secret"], "acme.my.salesforce.com") + "\n",
		"login.js": "const jsforce = require('jsforce');\nconst conn = new jsforce.Connection({ loginUrl: 'https://login.salesforce.com' });\n" +
			"conn.login('etl@acme.example', '" + p["password"] + p["security token"] + "');\n",
		"certs/server.key": fakecred.PrivateKeyPEM("hyg"),
		"force-app/main/default/connectedApps/Billing.connectedApp-meta.xml": `<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Billing</label>
    <oauthConfig>
        <consumerKey>` + key + `</consumerKey>
        <consumerSecret>` + p["metadata secret"] + `</consumerSecret>
        <isClientCredentialEnabled>true</isClientCredentialEnabled>
        <oauthClientCredentialUser>etl@acme.example</oauthClientCredentialUser>
    </oauthConfig>
</ConnectedApp>
`,
		// A file name with control characters and markup, for the writers' escaping.
		"odd <name> & $(x).py": "# salesforce\nclient_secret = \"" + sec + "\"\n",
	})
	r.Commit("old config", map[string]string{"old/config.py": "# salesforce\nconsumer_secret = \"" + p["deleted secret"] + "\"\n"})
	r.Commit("remove old config", map[string]string{"old/config.py": gittest.Deleted})
	r.Write(map[string]string{
		"wip.py":          "# salesforce\nclient_secret = \"" + p["worktree secret"] + "\"\n",
		"tab\tesc\x1b.py": "# salesforce\nclient_secret = \"" + sec + "\"\n",
	})
	return r.Path, p
}

func TestSecretHygieneScanMergeTriage(t *testing.T) {
	bin := buildSfleak(t)
	repo, p := hygieneRepo(t)
	out := t.TempDir()
	formats := report.Formats()

	// --no-redact proves the test can see every value it looks for.
	raw := runBin(t, bin, nil, "", "scan", "--format", "json", "--no-redact", repo)
	if raw.code != exitFindings {
		t.Fatalf("scan --no-redact: exit %d\n%s", raw.code, raw.stderr)
	}
	seen := map[string]bool{}
	for _, name := range p.leaks(raw.stdout) {
		seen[name] = true
	}
	for name := range p {
		if !seen[name] {
			// Not every planted value is a reported secret (the private key body is
			// reported by its header; the legacy secret may pair differently): the test
			// still checks it never leaks, but say which ones it cannot see.
			t.Logf("not shown even with --no-redact: %s", name)
		}
	}
	for _, must := range []string{"consumer secret", "access token", "refresh token", "deleted secret", "worktree secret", "metadata secret"} {
		if !seen[must] {
			t.Errorf("--no-redact JSON does not show the %s: the test would prove nothing", must)
		}
	}

	if !bytes.Contains(raw.stdout, []byte(`"path": "tab\tesc\u001b.py"`)) {
		t.Errorf("the file name with a tab and an escape is not reported exactly in JSON")
	}

	var jsonReport string
	for _, format := range formats {
		t.Run("scan "+format, func(t *testing.T) {
			file := filepath.Join(out, "scan."+format)
			r := runBin(t, bin, nil, "", "scan", "--format", format, "--output", file, repo)
			if r.code != exitFindings {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			data, err := os.ReadFile(file)
			if err != nil || len(data) == 0 {
				t.Fatalf("no report: %v", err)
			}
			p.check(t, "the "+format+" report", data)
			p.check(t, "stdout", r.stdout)
			p.check(t, "stderr", r.stderr)
			if format == "json" {
				jsonReport = file
			}
			if format == "text" && bytes.ContainsAny(data, "\t\x1b") {
				t.Errorf("text report carries raw control characters from a file name")
			}
			// And to stdout, as most users run it.
			s := runBin(t, bin, nil, "", "scan", "--format", format, repo)
			p.check(t, "the "+format+" report on stdout", s.stdout)
			p.check(t, "stderr", s.stderr)
		})
	}

	t.Run("merge", func(t *testing.T) {
		if jsonReport == "" {
			t.Skip("no JSON scan report")
		}
		for _, format := range formats {
			r := runBin(t, bin, nil, "", "merge", "--format", format, jsonReport, jsonReport)
			if r.code != exitFindings {
				t.Errorf("merge %s: exit %d\n%s", format, r.code, r.stderr)
			}
			p.check(t, "merge "+format, r.stdout)
			p.check(t, "merge stderr", r.stderr)
		}
	})

	t.Run("triage", func(t *testing.T) {
		for _, format := range formats {
			r := runBin(t, bin, nil, p["consumer secret"]+"\n", "triage", "--stdin", "--format", format, repo)
			if r.code == exitError {
				t.Errorf("triage %s: exit %d\n%s", format, r.code, r.stderr)
			}
			p.check(t, "triage "+format, r.stdout)
			p.check(t, "triage stderr", r.stderr)
		}
		// Through the environment too: the value must not come back in errors about it.
		r := runBin(t, bin, []string{"LEAKED=" + p["access token"]}, "", "triage", "--env", "LEAKED", "--format", "json", repo)
		p.check(t, "triage --env", append(r.stdout, r.stderr...))
	})

	t.Run("errors about bad input do not quote it", func(t *testing.T) {
		bad := filepath.Join(out, "bad.json")
		os.WriteFile(bad, []byte(`{"findings":[{"secret":"`+p["consumer secret"]+`"`), 0o644)
		for _, args := range [][]string{
			{"scan", "--baseline", bad, repo},
			{"merge", bad},
			{"scan", "--config", bad, repo},
		} {
			r := runBin(t, bin, nil, "", args...)
			if r.code != exitError {
				t.Errorf("%v: exit %d, want 2", args, r.code)
			}
			p.check(t, fmt.Sprint(args)+" stderr", r.stderr)
		}
	})
}

func TestSecretHygieneSweepStateAndCache(t *testing.T) {
	bin := buildSfleak(t)
	o := newSweepOrg(t)
	p := planted{}
	for _, seed := range []string{"api", "web", "jobs", "allowed"} {
		p["key "+seed] = fakecred.ConsumerKey(seed)
		p["secret "+seed] = fakecred.ConsumerSecret(seed)
	}
	p["inline secret"] = fakecred.ConsumerSecret("inline")
	p["token"] = sweepToken
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	cache := filepath.Join(dir, "cache")
	env := []string{"GITHUB_TOKEN=" + sweepToken}
	base := []string{"sweep", "--github-org", "acme", "--github-url", o.srv.URL, "--state", stateFile, "--cache", cache, "--jobs", "2"}

	for i, format := range report.Formats() {
		r := runBin(t, bin, env, "", append(base, "--format", format)...)
		if r.code != exitFindings {
			t.Fatalf("sweep %s: exit %d\n%s", format, r.code, r.stderr)
		}
		p.check(t, "sweep "+format, r.stdout)
		p.check(t, "sweep stderr", r.stderr)
		if i == 0 {
			// A later push, so that incremental sweeps write the state again.
			o.api.Commit("more", map[string]string{"jobs/more.py": sweepSyncPy("api")})
		}
	}

	// The state database, byte for byte (with its WAL, if any) and column by column.
	for _, f := range []string{stateFile, stateFile + "-wal"} {
		if data, err := os.ReadFile(f); err == nil {
			p.check(t, filepath.Base(f), data)
		}
	}
	db, err := sql.Open("sqlite", "file:"+stateFile+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	cells := 0
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case []byte:
					b = x
				default:
					continue
				}
				cells++
				p.check(t, table+"."+cols[i], b)
			}
		}
		rows.Close()
	}
	if cells == 0 {
		t.Error("the state database holds no text: the sweep recorded nothing")
	}

	// The clone cache holds the repositories' own content (leaks included, as SECURITY.md
	// says) but never the token: not in a .git/config remote URL nor anywhere else.
	configs := 0
	filepath.Walk(cache, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || fi.Size() > 1<<20 {
			return nil
		}
		if fi.Name() == "config" {
			configs++
		}
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, []byte(sweepToken)) {
			t.Errorf("%s holds the GitHub token", path)
		}
		return nil
	})
	if configs == 0 {
		t.Error("no clone config in the cache: the test proves nothing")
	}
}
