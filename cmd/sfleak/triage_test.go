package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/detectors/sfmeta/orgtest"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/scanner/gittest"
	"github.com/sfleak/sfleak/scanner/state"
)

// triageFixture is a small estate: the key and secret of one app planted in two
// repositories over several commits, removed later from one; a third repository without it.
type triageFixture struct {
	key, secret, otherSecret string
	billing, etl, clean      string // repository paths
	billingRepo              *gittest.Repo
	names                    map[string]string
	commits                  map[string]plumbing.Hash
}

func at(s string) gittest.CommitOption {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return gittest.At(t)
}

func pyConfig(key, secret string) string {
	return fmt.Sprintf(`import requests

SF_TOKEN_URL = "https://acme.my.salesforce.com/services/oauth2/token"
CLIENT_ID = "%s"
CLIENT_SECRET = "%s"
`, key, secret)
}

func buildTriageFixture(t *testing.T) *triageFixture {
	t.Helper()
	fx := &triageFixture{
		key:         fakecred.ConsumerKey("triage"),
		secret:      fakecred.ConsumerSecret("triage"),
		otherSecret: fakecred.ConsumerSecret("triage-other"),
		commits:     map[string]plumbing.Hash{},
		names:       map[string]string{},
	}

	// billing: planted, copied, then removed from every path. A release branch and a tag
	// keep the leak reachable.
	b := gittest.New(t)
	b.SetOrigin("https://github.com/acme/billing.git")
	fx.commits["b0"] = b.Commit("readme", map[string]string{"README.md": "billing\n"}, at("2024-01-01T09:00:00Z"))
	fx.commits["b1"] = b.Commit("billing sync", map[string]string{"sync/billing_sync.py": pyConfig(fx.key, fx.secret)}, at("2024-01-02T09:00:00Z"))
	b.Tag("v1.0")
	fx.commits["b2"] = b.Commit("copy config", map[string]string{"tools/copy.py": pyConfig(fx.key, fx.secret)}, at("2024-01-03T09:00:00Z"))
	b.Branch("release/1")
	fx.commits["b3"] = b.Commit("unrelated", map[string]string{"README.md": "billing v2\n"}, at("2024-01-04T09:00:00Z"))
	fx.commits["b4"] = b.Commit("read secrets from env", map[string]string{
		"sync/billing_sync.py": "import os\nCLIENT_SECRET = os.environ['SF_CLIENT_SECRET']\n",
		"tools/copy.py":        gittest.Deleted,
	}, at("2024-01-12T09:00:00Z"))
	fx.commits["b5"] = b.Commit("later", map[string]string{"README.md": "billing v3\n"}, at("2024-02-01T09:00:00Z"))
	fx.billing, fx.billingRepo = b.Path, b
	fx.names["billing"] = "github.com/acme/billing"

	// etl: the same pair, still in HEAD; and an unrelated secret of another app.
	e := gittest.New(t)
	e.SetOrigin("https://github.com/acme/etl.git")
	fx.commits["e1"] = e.Commit("etl", map[string]string{"etl/.env": "SF_INSTANCE_URL=https://acme.my.salesforce.com\nSF_CLIENT_ID=" + fx.key + "\nSF_CLIENT_SECRET=" + fx.secret + "\n"}, at("2024-01-05T09:00:00Z"))
	fx.commits["e2"] = e.Commit("other app", map[string]string{"other/config.py": pyConfig(fakecred.ConsumerKey("triage-other"), fx.otherSecret)}, at("2024-01-06T09:00:00Z"))
	fx.etl = e.Path
	fx.names["etl"] = "github.com/acme/etl"

	c := gittest.New(t)
	c.SetOrigin("https://github.com/acme/clean.git")
	c.Commit("nothing", map[string]string{"main.go": "package main\n"}, at("2024-01-01T09:00:00Z"))
	fx.clean = c.Path
	return fx
}

// runTriageCLI runs 'sfleak triage' in-process with the given stdin and environment.
func runTriageCLI(t *testing.T, stdin string, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return environ[k] },
	}
	code := run(context.Background(), append([]string{"triage"}, args...), e)
	return code, stdout.String(), stderr.String()
}

func triageJSON(t *testing.T, stdin string, environ map[string]string, args ...string) (*report.Report, int) {
	t.Helper()
	code, stdout, stderr := runTriageCLI(t, stdin, environ, append([]string{"--format", "json"}, args...)...)
	if code == exitError {
		t.Fatalf("exit 2: %s", stderr)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if r.Incident == nil {
		t.Fatal("no incident in the report")
	}
	return &r, code
}

type occKey struct{ repo, path, commit, rule string }

func occurrenceSet(in *report.Incident) map[occKey]report.Occurrence {
	m := map[occKey]report.Occurrence{}
	for _, o := range in.Occurrences {
		m[occKey{o.Repository, o.Path, o.Commit, o.RuleID}] = o
	}
	return m
}

func TestTriageFindsEveryOccurrenceAndTheWindow(t *testing.T) {
	fx := buildTriageFixture(t)
	r, code := triageJSON(t, fx.secret+"\n", nil, "--stdin", fx.billing, fx.etl, fx.clean)
	if code != exitFindings {
		t.Errorf("exit %d, want 1 (occurrences found)", code)
	}
	in := r.Incident
	occ := occurrenceSet(in)
	billing, etl := fx.names["billing"], fx.names["etl"]
	wantOcc := []occKey{
		{billing, "sync/billing_sync.py", fx.commits["b1"].String(), "sf-consumer-secret"},
		{billing, "tools/copy.py", fx.commits["b2"].String(), "sf-consumer-secret"},
		{etl, "etl/.env", fx.commits["e1"].String(), "sf-consumer-secret"},
		// the paired key, found with the secret, is an occurrence too
		{billing, "sync/billing_sync.py", fx.commits["b1"].String(), "sf-consumer-key"},
		{etl, "etl/.env", fx.commits["e1"].String(), "sf-consumer-key"},
	}
	for _, k := range wantOcc {
		if _, ok := occ[k]; !ok {
			t.Errorf("missing occurrence %+v; got %+v", k, in.Occurrences)
		}
	}
	for _, o := range in.Occurrences {
		if o.Path == "other/config.py" {
			t.Errorf("another app's secret was pulled in: %+v", o)
		}
		if o.Repository == "github.com/acme/clean" {
			t.Errorf("occurrence in the clean repository: %+v", o)
		}
		if o.Date == "" || o.Author == "" || o.Line == 0 {
			t.Errorf("occurrence without provenance: %+v", o)
		}
	}

	// Refs: the first commit is on main, the release branch and the tag.
	first := occ[wantOcc[0]]
	for _, ref := range []string{"refs/heads/main", "refs/heads/release/1", "refs/tags/v1.0"} {
		if !contains(first.Refs, ref) {
			t.Errorf("refs of the first commit %v lack %s", first.Refs, ref)
		}
	}
	if copyOcc := occ[wantOcc[1]]; contains(copyOcc.Refs, "refs/tags/v1.0") || !contains(copyOcc.Refs, "refs/heads/release/1") {
		t.Errorf("refs of the copy %v: want release/1 and main, not the older tag", copyOcc.Refs)
	}

	if in.FirstSeen == nil || in.FirstSeen.Commit != fx.commits["b1"].String() || in.FirstSeen.Repository != billing {
		t.Errorf("first_seen = %+v, want billing b1", in.FirstSeen)
	}
	// Still in etl's HEAD: not removed, window to now.
	if !in.InHead || in.Removed != nil {
		t.Errorf("in_head=%v removed=%+v, want still in HEAD (etl)", in.InHead, in.Removed)
	}
	if in.WindowDays < 100 {
		t.Errorf("window_days = %v, want from 2024-01-02 to now", in.WindowDays)
	}
	if len(in.Checklist) != 6 {
		t.Errorf("checklist has %d steps", len(in.Checklist))
	}
	if in.Verify != nil {
		t.Errorf("verify ran without --verify: %+v", in.Verify)
	}
	if in.RuleID != "sf-consumer-secret" || !strings.HasSuffix(in.Secret, "REDACTED") {
		t.Errorf("rule %q secret %q", in.RuleID, in.Secret)
	}
}

func TestTriageRemovalFromOneRepository(t *testing.T) {
	fx := buildTriageFixture(t)
	r, _ := triageJSON(t, "", map[string]string{"LEAKED_KEY": fx.secret}, "--env", "LEAKED_KEY", fx.billing)
	in := r.Incident
	if in.InHead {
		t.Error("in_head = true, want false: removed from billing's HEAD")
	}
	if in.Removed == nil || in.Removed.Commit != fx.commits["b4"].String() {
		t.Fatalf("removed = %+v, want b4 %s (the commit after which no path holds it)", in.Removed, fx.commits["b4"])
	}
	if in.Removed.Date != "2024-01-12T09:00:00Z" {
		t.Errorf("removed date %s", in.Removed.Date)
	}
	if in.WindowDays != 10 {
		t.Errorf("window_days = %v, want 10 (2024-01-02 → 2024-01-12)", in.WindowDays)
	}
}

func TestTriageByKeyFindsTheSecrets(t *testing.T) {
	fx := buildTriageFixture(t)
	r, _ := triageJSON(t, fx.key, nil, "--stdin", fx.billing, fx.etl)
	occ := occurrenceSet(r.Incident)
	if _, ok := occ[occKey{fx.names["etl"], "etl/.env", fx.commits["e1"].String(), "sf-consumer-secret"}]; !ok {
		t.Errorf("the secret paired with the key is missing: %+v", r.Incident.Occurrences)
	}
	if r.Incident.RuleID != "sf-consumer-key" {
		t.Errorf("rule = %s", r.Incident.RuleID)
	}
}

func TestTriageByFingerprint(t *testing.T) {
	fx := buildTriageFixture(t)
	first, _ := triageJSON(t, fx.secret, nil, "--stdin", fx.billing)
	var fp string
	for _, f := range first.Findings {
		if f.RuleID == "sf-consumer-secret" && f.Path == "sync/billing_sync.py" {
			fp = f.Fingerprint
		}
	}
	if fp == "" {
		t.Fatal("no fingerprint for the planted secret")
	}
	r, _ := triageJSON(t, "", nil, "--fingerprint", fp, fx.billing, fx.etl)
	in := r.Incident
	if in.Fingerprint != fp {
		t.Errorf("fingerprint = %s, want %s", in.Fingerprint, fp)
	}
	// The raw value was recovered in memory: the other repository's copy is found by value.
	if _, ok := occurrenceSet(in)[occKey{fx.names["etl"], "etl/.env", fx.commits["e1"].String(), "sf-consumer-secret"}]; !ok {
		t.Errorf("etl occurrence missing: %+v", in.Occurrences)
	}
}

func saveStateRecord(t *testing.T, path string, fx *triageFixture) {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := report.Finding{
		RuleID: "sf-consumer-secret", Severity: "critical", Repository: "github.com/acme/mirror",
		Path: "legacy/sync.py", Line: 5, Commit: strings.Repeat("c", 40), Author: "Old Dev",
		Date: "2023-12-20T10:00:00Z", Visibility: "public", InHead: true, Raw: fx.secret,
		Fingerprint: report.Fingerprint("sf-consumer-secret", fx.secret, "github.com/acme/mirror", "legacy/sync.py"),
		Credential:  report.CredentialID(fx.secret), URL: "https://github.com/acme/mirror/blob/cccc/legacy/sync.py#L5",
	}
	if err := st.Save(ctx, state.Update{Repository: "github.com/acme/mirror", Time: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		Head: strings.Repeat("d", 40), Findings: []report.Finding{f}, Complete: true}); err != nil {
		t.Fatal(err)
	}
}

func TestTriageWithSweepState(t *testing.T) {
	fx := buildTriageFixture(t)
	db := filepath.Join(t.TempDir(), "sweep.db")
	saveStateRecord(t, db, fx)

	t.Run("state occurrences in other repositories join the scan's, and set first public", func(t *testing.T) {
		r, _ := triageJSON(t, fx.secret, nil, "--stdin", "--state", db, fx.billing)
		in := r.Incident
		if _, ok := occurrenceSet(in)[occKey{"github.com/acme/mirror", "legacy/sync.py", strings.Repeat("c", 40), "sf-consumer-secret"}]; !ok {
			t.Fatalf("state occurrence missing: %+v", in.Occurrences)
		}
		if in.FirstSeen == nil || in.FirstSeen.Repository != "github.com/acme/mirror" {
			t.Errorf("first_seen = %+v, want the mirror (2023-12-20)", in.FirstSeen)
		}
		if in.FirstPublic == nil || in.FirstPublic.Date != "2023-12-20T10:00:00Z" {
			t.Errorf("first_public = %+v", in.FirstPublic)
		}
		if !in.InHead {
			t.Error("the state says the mirror still holds it in HEAD")
		}
		if !strings.Contains(in.Checklist[4], "github.com/acme/mirror (public)") {
			t.Errorf("history step does not name the public repository: %s", in.Checklist[4])
		}
	})
	t.Run("a fingerprint known only to the state gives its occurrences with no targets", func(t *testing.T) {
		fp := report.Fingerprint("sf-consumer-secret", fx.secret, "github.com/acme/mirror", "legacy/sync.py")
		r, _ := triageJSON(t, "", nil, "--fingerprint", fp, "--state", db, "--verify", "--verify-host", "http://127.0.0.1:1")
		in := r.Incident
		if len(in.Occurrences) != 1 || in.Occurrences[0].Repository != "github.com/acme/mirror" {
			t.Errorf("occurrences = %+v", in.Occurrences)
		}
		if in.Verify == nil || in.Verify.Status != "unknown" || !strings.Contains(in.Verify.Reason, "raw value not available") {
			t.Errorf("verify = %+v, want unknown: no raw value", in.Verify)
		}
	})
	t.Run("an unknown fingerprint is a clear one-line error", func(t *testing.T) {
		code, _, stderr := runTriageCLI(t, "", nil, "--fingerprint", strings.Repeat("e", 32), "--state", db, fx.clean)
		if code != exitError || !strings.Contains(stderr, "not found in the sweep state or the scanned targets") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit %d stderr %q", code, stderr)
		}
	})
}

// fakeSalesforce answers the token and revoke endpoints for one client.
type fakeSalesforce struct {
	key, secret string
	mode        string // "" valid | "disabled"
	mu          sync.Mutex
	minted      []string
	revoked     []string
}

func (s *fakeSalesforce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.Header().Set("Content-Type", "application/json")
	fail := func(e, d string) {
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]string{"error": e, "error_description": d})
	}
	switch r.URL.Path {
	case "/services/oauth2/token":
		switch {
		case r.PostForm.Get("client_id") != s.key:
			fail("invalid_client_id", "client identifier invalid")
		case r.PostForm.Get("client_secret") != s.secret:
			fail("invalid_client", "invalid client credentials")
		case s.mode == "disabled":
			fail("invalid_grant", "no client credentials user enabled")
		default:
			tok := fakecred.AccessToken("triage-minted")
			s.mu.Lock()
			s.minted = append(s.minted, tok)
			s.mu.Unlock()
			json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "Bearer", "instance_url": "https://acme.my.salesforce.com"})
		}
	case "/services/oauth2/revoke":
		s.mu.Lock()
		s.revoked = append(s.revoked, r.PostForm.Get("token"))
		s.mu.Unlock()
	default:
		http.NotFound(w, r)
	}
}

func TestTriageVerify(t *testing.T) {
	fx := buildTriageFixture(t)
	tests := []struct {
		name   string
		value  string
		sf     *fakeSalesforce
		status string
		reason string
	}{
		{"a live key and secret are valid, and the test token is revoked", fx.secret, &fakeSalesforce{key: fx.key, secret: fx.secret}, "valid", "revoked"},
		{"a rotated secret is invalid", fx.secret, &fakeSalesforce{key: fx.key, secret: fakecred.ConsumerSecret("rotated")}, "invalid", "invalid_client"},
		{"a deleted app is invalid_client_id", fx.secret, &fakeSalesforce{key: fakecred.ConsumerKey("new-app"), secret: fx.secret}, "invalid", "invalid_client_id"},
		{"a disabled flow is unknown with Salesforce's words", fx.secret, &fakeSalesforce{key: fx.key, secret: fx.secret, mode: "disabled"}, "unknown", "no client credentials user enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.sf)
			defer srv.Close()
			r, _ := triageJSON(t, tt.value, nil, "--stdin", "--verify", "--verify-host", srv.URL, fx.billing)
			v := r.Incident.Verify
			if v == nil || v.Status != tt.status || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("verify = %+v, want %s containing %q", v, tt.status, tt.reason)
			}
			if v.Host != strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("host = %s", v.Host)
			}
			if len(tt.sf.minted) != len(tt.sf.revoked) {
				t.Errorf("minted %d tokens, revoked %d", len(tt.sf.minted), len(tt.sf.revoked))
			}
		})
	}
	t.Run("a key alone is unknown and nothing is sent", func(t *testing.T) {
		sf := &fakeSalesforce{key: fx.key, secret: fx.secret}
		srv := httptest.NewServer(sf)
		defer srv.Close()
		lone := fakecred.ConsumerKey("lonely")
		dir := gittest.New(t)
		dir.Commit("k", map[string]string{"k.env": "SF_CLIENT_ID=" + lone + "\n"})
		r, _ := triageJSON(t, lone, nil, "--stdin", "--verify", "--verify-host", srv.URL, dir.Path)
		if v := r.Incident.Verify; v == nil || v.Status != "unknown" || v.Reason != "no secret paired with the key" {
			t.Errorf("verify = %+v", v)
		}
		if len(sf.minted) != 0 {
			t.Error("a request was sent for a key alone")
		}
	})
	t.Run("verification is never on by default", func(t *testing.T) {
		r, _ := triageJSON(t, fx.secret, nil, "--stdin", fx.billing)
		if r.Incident.Verify != nil {
			t.Errorf("verify = %+v without --verify", r.Incident.Verify)
		}
	})
}

func TestTriageOutputsHoldNoSecret(t *testing.T) {
	fx := buildTriageFixture(t)
	sf := &fakeSalesforce{key: fx.key, secret: fx.secret}
	srv := httptest.NewServer(sf)
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "sweep.db")
	saveStateRecord(t, db, fx)
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "incident."+format)
			code, stdout, stderr := runTriageCLI(t, fx.secret, nil, "--stdin", "--verify", "--verify-host", srv.URL,
				"--state", db, "--format", format, "--output", out, fx.billing, fx.etl, fx.clean)
			if code != exitFindings {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			all := string(data) + stdout + stderr
			secrets := append([]string{fx.key, fx.secret}, sf.minted...)
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Errorf("%s output holds a raw secret (%s…)", format, s[:4])
				}
			}
			if len(sf.minted) == 0 {
				t.Error("the verification did not run")
			}
			if format != "json" && format != "sarif" {
				for _, want := range []string{"github.com/acme/billing", fx.commits["b1"].String()[:7], "Rotate"} {
					if !strings.Contains(string(data), want) {
						t.Errorf("%s output lacks %q", format, want)
					}
				}
			}
		})
	}
}

func TestTriageInputErrors(t *testing.T) {
	fx := buildTriageFixture(t)
	tests := []struct {
		name    string
		stdin   string
		environ map[string]string
		args    []string
		want    string
	}{
		{"two inputs at once are refused", fx.secret, map[string]string{"K": fx.secret}, []string{"--stdin", "--env", "K", fx.clean}, "exactly one of --stdin, --env VAR, --fingerprint FP"},
		{"no input is refused", "", nil, []string{fx.clean}, "exactly one of"},
		{"a missing environment variable is named", "", nil, []string{"--env", "LEAKED_KEY", fx.clean}, "--env LEAKED_KEY: variable not set or empty"},
		{"an empty stdin is refused", "  \n", nil, []string{"--stdin", fx.clean}, "--stdin: no value on standard input"},
		{"an unknown fingerprint is not found in the targets", "", nil, []string{"--fingerprint", strings.Repeat("f", 32), fx.clean}, "--fingerprint ffffffffffffffffffffffffffffffff: not found in the scanned targets"},
		{"a malformed fingerprint is refused", "", nil, []string{"--fingerprint", "not-hex", fx.clean}, "want the hex fingerprint"},
		{"no target and no state is refused", fx.secret, nil, []string{"--stdin"}, "no PATH or URL"},
		{"--verify-host without --verify is refused", fx.secret, nil, []string{"--stdin", "--verify-host", "http://127.0.0.1:1", fx.clean}, "--verify-host needs --verify"},
		{"a plain-http verify host off loopback is refused", fx.secret, nil, []string{"--stdin", "--verify", "--verify-host", "http://proxy.example", fx.clean}, "must be https"},
		{"a missing state file is not created", fx.secret, nil, []string{"--stdin", "--state", filepath.Join(t.TempDir(), "nope.db"), fx.clean}, "--state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runTriageCLI(t, tt.stdin, tt.environ, tt.args...)
			if code != exitError {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if strings.Contains(stderr+stdout, fx.secret) {
				t.Error("an error quotes the secret")
			}
		})
	}
}

func TestTriageValueFoundNowhere(t *testing.T) {
	fx := buildTriageFixture(t)
	r, code := triageJSON(t, fakecred.ConsumerSecret("never-committed"), nil, "--stdin", fx.clean)
	if code != exitOK {
		t.Errorf("exit %d, want 0 when the value is found nowhere", code)
	}
	if len(r.Incident.Occurrences) != 0 || r.Incident.FirstSeen != nil || len(r.Incident.Checklist) != 6 {
		t.Errorf("incident = %+v", r.Incident)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTriageReachWithOrg(t *testing.T) {
	org := orgtest.Dir(t)
	tests := []struct {
		name     string
		app      string
		steps    [6]string // a substring each checklist step must hold
		appLabel string
	}{
		{"a Connected App key ties the checklist to its app, run-as user and Setup paths", orgtest.BillingSync, [6]string{
			"Billing", "integration@acme.example", "App Manager", "integration@acme.example", "github.com/acme/app", "Username = 'integration@acme.example'",
		}, "Billing_Sync"},
		{"an External Client App key uses the ECA paths", orgtest.PartnerSync, [6]string{
			"External Client App Manager", "Revoke", "Flow Enablement", "ExtlClntAppGlobalOauthSettings.certificate", "github.com/acme/app", "partner.sync@acme.example",
		}, "Partner_Sync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, secret := orgtest.Key(tt.app), orgtest.Secret(tt.app)
			r := gittest.New(t)
			r.SetOrigin("https://github.com/acme/app.git")
			r.Commit("leak", map[string]string{"app.py": pyConfig(key, secret)}, at("2024-03-01T09:00:00Z"))
			rep, _ := triageJSON(t, secret, nil, "--stdin", "--org", org, r.Path)
			if len(rep.Exposures) == 0 || rep.Exposures[0].ConnectedApp == nil || *rep.Exposures[0].ConnectedApp != tt.appLabel {
				t.Fatalf("exposures = %+v, want the app %s", rep.Exposures, tt.appLabel)
			}
			for i, want := range tt.steps {
				if !strings.Contains(rep.Incident.Checklist[i], want) {
					t.Errorf("step %d lacks %q: %s", i+1, want, rep.Incident.Checklist[i])
				}
			}
		})
	}
}

func TestTriageCloneURL(t *testing.T) {
	fx := buildTriageFixture(t)
	bare := gittest.Bare(t, fx.billingRepo)
	r, _ := triageJSON(t, fx.secret, nil, "--stdin", "file://"+bare)
	in := r.Incident
	if len(in.Occurrences) == 0 {
		t.Fatal("no occurrence through the clone URL")
	}
	for _, o := range in.Occurrences {
		if len(o.Refs) == 0 {
			t.Errorf("occurrence without refs (the clone must outlive the scan): %+v", o)
		}
		if strings.Contains(o.Repository, os.TempDir()) {
			t.Errorf("repository named by a temporary path: %s", o.Repository)
		}
	}
	if in.Removed == nil || in.Removed.Commit != fx.commits["b4"].String() {
		t.Errorf("removed = %+v, want b4", in.Removed)
	}
}
