package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
)

// The corpus: a repository history holding Salesforce credentials in the ecosystems where
// they live, across commits, an unmerged branch, a deleted file and a rename, plus hard
// negatives. It plays the part of the held-out corpus the issue is checked with.

// corpusFile is one file committed in one step; want lists what must be found in it, each
// as a rule and a substring that identifies the line.
type corpusFile struct {
	path    string
	content string
	want    []want
}

type want struct {
	rule string
	line string // a substring of the expected line (the first line that contains it)
}

// vals holds the fake credentials of the corpus, built at run time.
type vals map[string]string

func corpusValues() vals {
	v := vals{}
	for i := 1; i <= 12; i++ {
		s := fmt.Sprint(i)
		v["KEY"+s] = fakecred.ConsumerKey("corpus" + s)
		v["SECRET"+s] = fakecred.ConsumerSecret("corpus" + s)
	}
	v["LEGACY1"] = fakecred.LegacyConsumerSecret("corpus-legacy")
	v["TOKEN1"] = fakecred.AccessToken("corpus-token")
	v["REFRESH1"] = fakecred.RefreshToken("corpus-refresh")
	v["PW1"] = fakecred.Password("corpus-pw1")
	v["SECTOK1"] = fakecred.SecurityToken("corpus-st1")
	v["PW2"] = fakecred.Password("corpus-pw2")
	v["PEM1"] = fakecred.PrivateKeyPEM("corpus-pem")
	v["SFDX1"] = fakecred.SFDXAuthURL("corpus-sfdx", "", "", "acme--uat.sandbox.my.salesforce.com")
	// Hard-negative shapes: an upper-case SHA-256 and a 19-digit order number.
	v["SHA1"] = fakecred.ConsumerSecret("corpus-checksum")
	v["ORDER1"] = fakecred.LegacyConsumerSecret("corpus-order")
	return v
}

func (v vals) fill(s string) string {
	for k, val := range v {
		s = strings.ReplaceAll(s, "{{"+k+"}}", val)
	}
	return s
}

// corpusStep is one commit (or branch operation) of the corpus history.
type corpusStep struct {
	name    string // label used to find the commit id
	branch  string // checkout (creating if needed) before committing; "" = stay
	files   []corpusFile
	remove  []string
	rename  [][2]string
	date    string
	tag     string
	message string
}

var corpusSteps = []corpusStep{
	{name: "c1", date: "2024-01-10T09:00:00Z", message: "billing sync", files: []corpusFile{
		{path: "integrations/billing_sync.py", content: `import requests

SF_TOKEN_URL = "https://acme.my.salesforce.com/services/oauth2/token"
CLIENT_ID = "{{KEY1}}"
CLIENT_SECRET = "{{SECRET1}}"


def get_token():
    resp = requests.post(SF_TOKEN_URL, data={
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    })
    return resp.json()["access_token"]
`, want: []want{{"sf-consumer-key", "CLIENT_ID = "}, {"sf-consumer-secret", "CLIENT_SECRET = "}, {"sf-client-credentials-call", `"grant_type": "client_credentials"`}}},
		{path: "scripts/sf_login.js", content: `const jsforce = require('jsforce');

const conn = new jsforce.Connection({
  oauth2: {
    loginUrl: 'https://acme.my.salesforce.com',
    clientId: '{{KEY2}}',
    clientSecret: '{{SECRET2}}',
  },
});

async function main() {
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn.query('SELECT Id FROM Account');
}
`, want: []want{{"sf-consumer-key", "clientId: "}, {"sf-consumer-secret", "clientSecret: "}, {"sf-client-credentials-call", "grant_type: 'client_credentials'"}}},
		{path: ".env", content: `APP_ENV=production
SF_INSTANCE_URL=https://acme.my.salesforce.com
SF_CLIENT_ID={{KEY3}}
SF_CLIENT_SECRET={{SECRET3}}
`, want: []want{{"sf-consumer-key", "SF_CLIENT_ID="}, {"sf-consumer-secret", "SF_CLIENT_SECRET="}}},
		{path: "scripts/token.sh", content: `#!/bin/sh
set -eu
curl -s -X POST https://acme.my.salesforce.com/services/oauth2/token \
  -d "grant_type=client_credentials" \
  -d "client_id={{KEY4}}" \
  -d "client_secret={{SECRET4}}"
`, want: []want{{"sf-client-credentials-call", `grant_type=client_credentials`}, {"sf-consumer-key", `client_id=`}, {"sf-consumer-secret", `client_secret=`}}},
		{path: "logs/sync-2024-01-10.log", content: `2024-01-10T09:00:01Z INFO starting sync
2024-01-10T09:00:02Z DEBUG session established sid={{TOKEN1}} instance=https://acme.my.salesforce.com
2024-01-10T09:00:03Z INFO done
`, want: []want{{"sf-access-token", "session established"}}},
		{path: "deploy/README.md", content: "# Deploy\n\nAuthorize the CI org with:\n\n    echo \"{{SFDX1}}\" > auth.txt\n    sf org login sfdx-url --sfdx-url-file auth.txt\n",
			want: []want{{"sf-sfdx-auth-url", "echo"}}},
		// Hard negatives.
		{path: "release/checksums.txt", content: "{{SHA1}}  sfleak-linux-amd64.tar.gz\n"},
		{path: "billing/orders.py", content: `# Salesforce order export
ORDER_NUMBER = {{ORDER1}}
invoice_id = "{{ORDER1}}"
`},
		{path: "config.example.env", content: `SF_CLIENT_ID=YOUR_CONSUMER_KEY
SF_CLIENT_SECRET=<your consumer secret>
SF_PASSWORD=${SF_PASSWORD}
`},
		{path: "integrations/jwt_login.py", content: `import jwt, time, requests

# JWT bearer flow: the private key stays in the vault.
def login(private_key):
    claims = {"iss": "{{KEY5}}", "sub": "etl@acme.example",
              "aud": "https://login.salesforce.com", "exp": int(time.time()) + 300}
    assertion = jwt.encode(claims, private_key, algorithm="RS256")
    return requests.post("https://login.salesforce.com/services/oauth2/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": assertion,
    }).json()
`},
		{path: "integrations/azure_sync.py", content: `import os, requests

def entra_token():
    return requests.post("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", data={
        "grant_type": "client_credentials",
        "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
        "client_secret": os.environ["ENTRA_SECRET"],
        "scope": "https://graph.microsoft.com/.default",
    }).json()
`},
	}},
	{name: "c2", date: "2024-02-01T10:00:00Z", message: "move token url; more integrations", files: []corpusFile{
		// The secret's line moves down by an edit: still one finding, introduced in c1.
		{path: "integrations/billing_sync.py", content: `"""Billing sync: pulls invoices from Salesforce."""
import logging

import requests

log = logging.getLogger(__name__)

SF_TOKEN_URL = "https://acme.my.salesforce.com/services/oauth2/token"
CLIENT_ID = "{{KEY1}}"
CLIENT_SECRET = "{{SECRET1}}"


def get_token():
    log.info("requesting token")
    resp = requests.post(SF_TOKEN_URL, data={
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    })
    return resp.json()["access_token"]
`},
		{path: "notebooks/explore.ipynb", content: `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [],
   "source": [
    "from simple_salesforce import Salesforce\n",
    "sf = Salesforce(username=\"etl@acme.example\", password=\"{{PW1}}\", security_token=\"{{SECTOK1}}\")\n",
    "sf.query(\"SELECT Id FROM Account\")"
   ]
  }
 ],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
`, want: []want{{"sf-password-grant", "Salesforce(username="}}},
		{path: "mule/src/main/mule/salesforce-config.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<mule xmlns="http://www.mulesoft.org/schema/mule/core"
      xmlns:salesforce="http://www.mulesoft.org/schema/mule/salesforce">
  <salesforce:sfdc-config name="Salesforce_Config">
    <salesforce:oauth-client-credentials-connection>
      <salesforce:oauth-client-credentials
          clientId="{{KEY6}}"
          clientSecret="{{SECRET6}}"
          tokenUrl="https://acme.my.salesforce.com/services/oauth2/token"/>
    </salesforce:oauth-client-credentials-connection>
  </salesforce:sfdc-config>
</mule>
`, want: []want{{"sf-client-credentials-call", "<salesforce:oauth-client-credentials-connection>"}, {"sf-consumer-key", `clientId="`}, {"sf-consumer-secret", `clientSecret="`}}},
		{path: "postman/Salesforce.postman_environment.json", content: `{
  "name": "Salesforce Production",
  "values": [
    {"key": "url", "value": "https://acme.my.salesforce.com", "enabled": true},
    {"key": "clientId", "value": "{{KEY7}}", "enabled": true},
    {"key": "clientSecret", "value": "{{SECRET7}}", "enabled": true}
  ]
}
`, want: []want{{"sf-consumer-key", `"clientId"`}, {"sf-consumer-secret", `"clientSecret"`}}},
		{path: "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml", content: `<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>integrations@acme.example</contactEmail>
    <label>Billing Sync</label>
    <oauthConfig>
        <callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>
        <consumerKey>{{KEY1}}</consumerKey>
        <isAdminApproved>true</isAdminApproved>
        <isClientCredentialEnabled>true</isClientCredentialEnabled>
        <oauthClientCredentialUser>integration@acme.example</oauthClientCredentialUser>
        <scopes>Api</scopes>
    </oauthConfig>
    <oauthPolicy>
        <ipRelaxation>BYPASS</ipRelaxation>
        <refreshTokenPolicy>zero</refreshTokenPolicy>
    </oauthPolicy>
</ConnectedApp>
`, want: []want{{"sf-connected-app-cc-enabled", "<isClientCredentialEnabled>true"}, {"sf-consumer-key", "<consumerKey>"}}},
		{path: "src/main/resources/application.properties", content: `server.port=8080
camel.component.salesforce.login-url=https://acme.my.salesforce.com
camel.component.salesforce.client-id={{KEY8}}
camel.component.salesforce.client-secret={{SECRET8}}
camel.component.salesforce.user-name=camel@acme.example
camel.component.salesforce.password={{PW2}}
`, want: []want{{"sf-consumer-key", "client-id="}, {"sf-consumer-secret", "client-secret="}, {"sf-password-grant", "salesforce.password="}}},
		{path: "certs/server.key", content: "{{PEM1}}", want: []want{{"sf-jwt-private-key", "BEGIN RSA PRIVATE KEY"}}},
	}},
	{name: "c3", date: "2024-03-05T11:00:00Z", message: "remove log; rename token script",
		remove: []string{"logs/sync-2024-01-10.log"},
		rename: [][2]string{{"scripts/token.sh", "tools/get_token.sh"}},
	},
	{name: "feature", branch: "feature/unmerged", date: "2024-04-01T12:00:00Z", message: "wip: go client", files: []corpusFile{
		{path: "cmd/sync/main.go", content: `package main

import (
	"context"

	"golang.org/x/oauth2/clientcredentials"
)

func main() {
	cfg := clientcredentials.Config{
		ClientID:     "{{KEY9}}",
		ClientSecret: "{{SECRET9}}",
		TokenURL:     "https://acme.my.salesforce.com/services/oauth2/token",
	}
	_ = cfg.Client(context.Background())
}
`, want: []want{{"sf-client-credentials-call", "clientcredentials.Config{"}, {"sf-consumer-key", "ClientID:"}, {"sf-consumer-secret", "ClientSecret:"}}},
	}},
	{name: "c4", branch: "main", date: "2024-05-01T08:00:00Z", message: "ci workflow", tag: "v1.0.0", files: []corpusFile{
		{path: ".github/workflows/sync.yml", content: `name: sync
on: [push]
jobs:
  sync:
    runs-on: ubuntu-latest
    env:
      SF_CLIENT_ID: ${{ secrets.SF_CLIENT_ID }}
      SF_CLIENT_SECRET: ${{ secrets.SF_CLIENT_SECRET }}
    steps:
      - run: python integrations/billing_sync.py
`},
		{path: "scripts/Get-SfToken.ps1", content: `$body = @{
    grant_type    = 'client_credentials'
    client_id     = '{{KEY10}}'
    client_secret = '{{SECRET10}}'
}
Invoke-RestMethod -Method Post -Uri 'https://acme.my.salesforce.com/services/oauth2/token' -Body $body
`, want: []want{{"sf-client-credentials-call", "grant_type    = 'client_credentials'"}, {"sf-consumer-key", "client_id     ="}, {"sf-consumer-secret", "client_secret ="}}},
	}},
}

// gitRun runs git in dir with a fixed identity and date.
func gitRun(t *testing.T, dir, date string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Dana Dev", "GIT_AUTHOR_EMAIL=dana@acme.example",
		"GIT_COMMITTER_NAME=Dana Dev", "GIT_COMMITTER_EMAIL=dana@acme.example",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitCheckout switches to branch, creating it from the current commit when it does not exist.
func gitCheckout(t *testing.T, dir, date, branch string) {
	t.Helper()
	if out := gitRun(t, dir, date, "branch", "--list", branch); out == "" {
		gitRun(t, dir, date, "checkout", "-q", "-b", branch)
	} else {
		gitRun(t, dir, date, "checkout", "-q", branch)
	}
}

// expected is one planted item: rule, path, line, introducing commit, in_head.
type expected struct {
	rule, path string
	line       int
	commit     string
	inHead     bool
}

// buildCorpus creates the corpus repository and returns its path, the expected findings
// and the raw values planted.
func buildCorpus(t *testing.T) (string, []expected, vals) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git CLI not installed")
	}
	v := corpusValues()
	dir := t.TempDir()
	gitRun(t, dir, "2024-01-01T00:00:00Z", "init", "-q", "-b", "main")
	type planted struct {
		expected
		step string
	}
	var all []planted
	commits := map[string]string{}
	for _, st := range corpusSteps {
		if st.branch != "" {
			gitCheckout(t, dir, st.date, st.branch)
		}
		for _, f := range st.files {
			content := v.fill(f.content)
			full := filepath.Join(dir, filepath.FromSlash(f.path))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, w := range f.want {
				line := lineOf(content, w.line)
				if line == 0 {
					t.Fatalf("corpus %s: no line contains %q", f.path, w.line)
				}
				all = append(all, planted{expected{rule: w.rule, path: f.path, line: line}, st.name})
			}
		}
		for _, p := range st.remove {
			gitRun(t, dir, st.date, "rm", "-q", p)
		}
		for _, r := range st.rename {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(r[1])), 0o755); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, st.date, "mv", r[0], r[1])
		}
		gitRun(t, dir, st.date, "add", "-A")
		gitRun(t, dir, st.date, "commit", "-q", "-m", st.message)
		commits[st.name] = gitRun(t, dir, st.date, "rev-parse", "HEAD")
		if st.tag != "" {
			gitRun(t, dir, st.date, "tag", st.tag)
		}
	}
	// HEAD is main. What is in HEAD: everything planted on main except the removed log and
	// the renamed script's old path; the renamed path was introduced by c3.
	var exp []expected
	for _, p := range all {
		e := p.expected
		e.commit = commits[p.step]
		e.inHead = p.step != "feature"
		if e.path == "logs/sync-2024-01-10.log" || e.path == "scripts/token.sh" {
			e.inHead = false
		}
		exp = append(exp, e)
		if e.path == "scripts/token.sh" {
			moved := e
			moved.path = "tools/get_token.sh"
			moved.commit = commits["c3"]
			moved.inHead = true
			exp = append(exp, moved)
		}
	}
	return dir, exp, v
}

func lineOf(content, sub string) int {
	for i, l := range strings.Split(content, "\n") {
		if strings.Contains(l, sub) {
			return i + 1
		}
	}
	return 0
}

// runCLI runs sfleak in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

func TestCorpusFindsEveryPlantedItemAndNoNegative(t *testing.T) {
	dir, exp, v := buildCorpus(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, "scan", "--format", "json", "--output", out, dir)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}

	type key struct{ rule, path string }
	got := map[key][]report.Finding{}
	for _, f := range r.Findings {
		got[key{f.RuleID, f.Path}] = append(got[key{f.RuleID, f.Path}], f)
	}
	matched := map[string]bool{}
	for _, e := range exp {
		var hit *report.Finding
		for i, f := range got[key{e.rule, e.path}] {
			if f.Line == e.line {
				hit = &got[key{e.rule, e.path}][i]
			}
		}
		if hit == nil {
			var lines []string
			for _, f := range got[key{e.rule, e.path}] {
				lines = append(lines, fmt.Sprint(f.Line))
			}
			t.Errorf("missing %s at %s:%d (found at lines %v)", e.rule, e.path, e.line, lines)
			continue
		}
		matched[hit.ID] = true
		if hit.Commit != e.commit {
			t.Errorf("%s at %s:%d: commit %.8s, want %.8s", e.rule, e.path, e.line, hit.Commit, e.commit)
		}
		if hit.InHead != e.inHead {
			t.Errorf("%s at %s:%d: in_head %v, want %v", e.rule, e.path, e.line, hit.InHead, e.inHead)
		}
		if hit.Author != "Dana Dev" || hit.Email != "dana@acme.example" || hit.Date == "" {
			t.Errorf("%s at %s:%d: provenance %q %q %q", e.rule, e.path, e.line, hit.Author, hit.Email, hit.Date)
		}
	}
	negatives := map[string]bool{"release/checksums.txt": true, "billing/orders.py": true,
		"config.example.env": true, "integrations/jwt_login.py": true, "integrations/azure_sync.py": true,
		".github/workflows/sync.yml": true}
	for _, f := range r.Findings {
		if negatives[f.Path] {
			t.Errorf("false positive on a hard negative: %s at %s:%d", f.RuleID, f.Path, f.Line)
		}
	}
	var extra []string
	for _, f := range r.Findings {
		if !matched[f.ID] && !negatives[f.Path] {
			extra = append(extra, fmt.Sprintf("%s %s:%d", f.RuleID, f.Path, f.Line))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Logf("findings beyond the planted items (not failures): %v", extra)
	}
	for name, raw := range v {
		if strings.HasPrefix(name, "SHA") || strings.HasPrefix(name, "ORDER") || strings.HasPrefix(name, "KEY") {
			continue // not secrets (or, for keys, a prefix of 4 survives redaction — checked below)
		}
		if len(raw) > 8 && bytes.Contains(data, []byte(raw)) {
			t.Errorf("raw %s appears in the default JSON output", name)
		}
	}
	for i := 1; i <= 12; i++ {
		if raw := v[fmt.Sprint("KEY", i)]; bytes.Contains(data, []byte(raw)) {
			t.Errorf("raw KEY%d appears in the default JSON output", i)
		}
	}
}

// Without a git binary sfleak reads history through go-git alone; the report must be the
// same, provenance included (the git CLI is only a faster path to the same objects).
func TestCorpusSameWithoutGitBinary(t *testing.T) {
	dir, _, _ := buildCorpus(t)
	_, withGit, _ := runCLI(t, "scan", "--format", "json", dir)
	t.Setenv("PATH", t.TempDir())
	code, withoutGit, stderr := runCLI(t, "scan", "--format", "json", dir)
	if code != exitFindings {
		t.Fatalf("exit %d without git: %s", code, stderr)
	}
	a, b := decodeReport(t, withGit), decodeReport(t, withoutGit)
	if len(a.Findings) == 0 {
		t.Fatal("no findings: the comparison proves nothing")
	}
	key := func(f report.Finding) string {
		return fmt.Sprintf("%s %s:%d:%d %s %v %s", f.RuleID, f.Path, f.Line, f.Column, f.Commit, f.InHead, f.Fingerprint)
	}
	var ka, kb []string
	for _, f := range a.Findings {
		ka = append(ka, key(f))
	}
	for _, f := range b.Findings {
		kb = append(kb, key(f))
	}
	if strings.Join(ka, "\n") != strings.Join(kb, "\n") {
		t.Errorf("findings differ without git:\nwith:\n%s\nwithout:\n%s", strings.Join(ka, "\n"), strings.Join(kb, "\n"))
	}
	if a.Stats.Blobs != b.Stats.Blobs || a.Stats.Commits != b.Stats.Commits {
		t.Errorf("stats differ: with git %+v, without %+v", a.Stats, b.Stats)
	}
}
