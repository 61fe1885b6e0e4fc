package exposure

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/detectors/sfmeta/orgtest"
	"github.com/sfleak/sfleak/report"
)

// leak is a key + secret + client_credentials call committed together in one script.
func leak(key, secret, repo string) []report.Finding {
	return []report.Finding{
		find(detectors.RuleConsumerKey, key, repo, "integrations/billing_sync.py", 4),
		withKey(find(detectors.RuleConsumerSecret, secret, repo, "integrations/billing_sync.py", 5), key),
		withKey(find(detectors.RuleClientCredentials, secret, repo, "integrations/billing_sync.py", 9), key),
	}
}

func only(t *testing.T, exps []report.Exposure) report.Exposure {
	t.Helper()
	if len(exps) != 1 {
		t.Fatalf("got %d exposures, want 1: %+v", len(exps), exps)
	}
	return exps[0]
}

func TestRiskBands(t *testing.T) {
	w := defaultWeights(t)
	key, secret := fakecred.ConsumerKey("bands"), fakecred.ConsumerSecret("bands")
	const runAs = "integration@acme.example"
	tests := []struct {
		name     string
		org      func(b *orgBuilder)
		min, max float64
		severity string
	}{
		{
			name: "flow on, run as System Administrator, no mitigations: critical",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "BYPASS", false).user(runAs, "System Administrator", true)
			},
			min: 9.0, max: 10.0, severity: "critical",
		},
		{
			name: "flow on, Modify All Data through an assigned permission set, no mitigations: critical",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false).profile("Integration", false, "ApiEnabled").
					permset("Data_Admin", "ModifyAllData").user(runAs, "Integration", true, "Data_Admin")
			},
			min: 9.0, max: 10.0, severity: "critical",
		},
		{
			name: "flow on, a profile with Modify All Data, no mitigations: critical",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false).profile("Integration", false, "ApiEnabled", "ModifyAllData").user(runAs, "Integration", true)
			},
			min: 9.0, max: 10.0, severity: "critical",
		},
		{
			name: "flow on, no powerful permission, no mitigations: high",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "BYPASS", false).profile("Integration", false, "ApiEnabled", "ApiUserOnly").user(runAs, "Integration", true)
			},
			min: 7.0, max: 8.9, severity: "high",
		},
		{
			name: "flow on, a powerful but not admin permission: high",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false).profile("Integration", false, "ViewAllData").user(runAs, "Integration", true)
			},
			min: 7.0, max: 8.9, severity: "high",
		},
		{
			name: "flow on, admin, IP ranges enforced by the app and real-time API monitoring: below 7",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "ENFORCE", false).profile("Integration", true, "ModifyAllData").
					user(runAs, "Integration", true).realtime()
			},
			min: 0, max: 6.9,
		},
		{
			name: "flow on, admin, IP ranges enforced and a transaction security policy on ApiEvent: below 7",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "ENFORCE", false).profile("Integration", true, "ModifyAllData").
					user(runAs, "Integration", true).policy("ApiEvent", true)
			},
			min: 0, max: 6.9,
		},
		{
			name: "flow on, admin, org enforces IP ranges on every request, app silent, monitored: below 7",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false).profile("Integration", true, "ModifyAllData").
					user(runAs, "Integration", true).enforceEveryRequest().realtime()
			},
			min: 0, max: 6.9,
		},
		{
			name: "flow on, admin, profile IP ranges bypassed by the app: no IP mitigation, still critical",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "BYPASS", false).profile("Integration", true, "ModifyAllData").
					user(runAs, "Integration", true).enforceEveryRequest()
			},
			min: 9.0, max: 10.0, severity: "critical",
		},
		{
			name: "flow on, IP ranges enforced but nothing monitored: not low risk",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "ENFORCE", false).profile("Integration", true, "ModifyAllData").user(runAs, "Integration", true)
			},
			min: 7.0, max: 8.9, severity: "high",
		},
		{
			name: "an inactive policy and a disabled event are no mitigation",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "BYPASS", false).user(runAs, "System Administrator", true).policy("ApiEvent", false).
					file("s/RealTimeEvent.settings", "<RealTimeEventSettings"+ns+"><realTimeEvents><entityName>ApiEvent</entityName><isEnabled>false</isEnabled></realTimeEvents></RealTimeEventSettings>")
			},
			min: 10.0, max: 10.0, severity: "critical",
		},
		{
			name: "a policy on an unrelated event is no mitigation",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "BYPASS", false).user(runAs, "System Administrator", true).policy("LoginEvent", true)
			},
			min: 10.0, max: 10.0, severity: "critical",
		},
		{
			name: "flow disabled, even with an admin run-as user: low",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, false, runAs, "BYPASS", true).user(runAs, "System Administrator", true)
			},
			min: 0, max: 3.9, severity: "low",
		},
		{
			name: "flow on, run-as user not in users.json: high, marked unknown",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false)
			},
			min: 7.0, max: 8.9, severity: "high",
		},
		{
			name: "flow on, admin run-as user inactive: lower than active",
			org: func(b *orgBuilder) {
				b.app("Billing_Sync", key, true, runAs, "", false).user(runAs, "System Administrator", false)
			},
			min: 7.0, max: 8.9, severity: "high",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newOrg(t)
			tt.org(b)
			e := only(t, Build(leak(key, secret, "acme/billing"), b.org, w))
			if e.RiskScore < tt.min || e.RiskScore > tt.max {
				t.Errorf("score %.1f, want %.1f–%.1f; factors %v", e.RiskScore, tt.min, tt.max, e.ScoreFactors)
			}
			if tt.severity != "" && e.Severity != tt.severity {
				t.Errorf("severity %s, want %s", e.Severity, tt.severity)
			}
			if e.ConnectedApp == nil || *e.ConnectedApp != "Billing_Sync" || e.ConnectedAppLabel != "Billing Sync" {
				t.Errorf("app = %v %q", e.ConnectedApp, e.ConnectedAppLabel)
			}
			if len(e.ScoreFactors) == 0 {
				t.Error("no score factors")
			}
		})
	}
}

func TestAdminExposureFields(t *testing.T) {
	w := defaultWeights(t)
	key, secret := fakecred.ConsumerKey("fields"), fakecred.ConsumerSecret("fields")
	b := newOrg(t).app("Billing_Sync", key, true, "Integration@Acme.example", "BYPASS", false).
		permset("Extra", "ManageUsers").user("integration@acme.example", "System Administrator", true, "Extra")
	e := only(t, Build(leak(key, secret, "acme/billing"), b.org, w))
	active := true
	want := report.Exposure{
		ID: "E1", ConnectedApp: ptr("Billing_Sync"), ConnectedAppLabel: "Billing Sync", AppType: "ConnectedApp",
		ConsumerKey: report.Redact(key), ClientCredentialsEnabled: true,
		RunAsUser: "integration@acme.example", RunAsUserActive: &active, Profile: "System Administrator",
		PermissionSets: []string{"Extra"},
		Permissions:    []string{"ModifyAllData", "ViewAllData", "ManageUsers", "AuthorApex", "CustomizeApplication", "ModifyMetadata", "ManageInternalUsers", "ResetPasswords", "ManageProfilesPermissionsets", "AssignPermissionSets"},
		Mitigations:    []string{}, RiskScore: 10, Severity: "critical",
	}
	got := e
	got.Findings, got.Locations, got.Steps, got.Remediation, got.ScoreFactors = nil, nil, nil, nil, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exposure (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, s := range e.Steps {
		kinds = append(kinds, s.Kind)
	}
	if diff := cmp.Diff([]string{"leak", "credential", "app", "flow", "user", "permissions", "mitigations", "score"}, kinds); diff != "" {
		t.Errorf("step kinds (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{
		"leak":        "3 locations in 1 repository",
		"credential":  "consumer key " + report.Redact(key) + " + consumer secret + client_credentials token call",
		"app":         "Billing Sync (Billing_Sync)",
		"flow":        "client credentials flow ENABLED",
		"user":        "runs as integration@acme.example (active)",
		"mitigations": "none in force",
		"score":       "10.0 critical",
	}
	for _, s := range e.Steps {
		if want, ok := wantLabels[s.Kind]; ok && s.Label != want {
			t.Errorf("step %s = %q, want %q", s.Kind, s.Label, want)
		}
	}
	if p := e.Steps[5].Label; !strings.HasPrefix(p, "System Administrator: ModifyAllData, ViewAllData") || !strings.Contains(p, "permission set Extra: ManageUsers") {
		t.Errorf("permissions step = %q", p)
	}
	rem := strings.Join(e.Remediation, "\n")
	for _, want := range []string{
		"Rotate the consumer secret of Billing Sync: Setup → App Manager → Billing Sync → View → Manage Consumer Details",
		"Connected Apps OAuth Usage → Billing Sync → Revoke",
		"untick Enable Client Credentials Flow",
		"JWT bearer flow",
		"Reduce integration@acme.example's permissions: remove System Administrator: ModifyAllData",
		"Enforce login IP ranges",
		"real-time API event monitoring",
		"transaction security policy",
	} {
		if !strings.Contains(rem, want) {
			t.Errorf("remediation lacks %q:\n%s", want, rem)
		}
	}
	if strings.Contains(rem, "Purge") {
		t.Error("a private leak should not ask to purge public history")
	}
}

func ptr(s string) *string { return &s }

func TestDisabledFlowScoresBelowAnyEnabled(t *testing.T) {
	w := defaultWeights(t)
	key, secret := fakecred.ConsumerKey("order"), fakecred.ConsumerSecret("order")
	const runAs = "int@acme.example"
	type variant struct {
		cc, ranges, enforce, rt, tsp, public, withSecret, admin, active bool
	}
	lowestOn, highestOff := 11.0, -1.0
	var lowestOnName, highestOffName string
	for mask := 0; mask < 1<<9; mask++ {
		v := variant{mask&1 != 0, mask&2 != 0, mask&4 != 0, mask&8 != 0, mask&16 != 0, mask&32 != 0, mask&64 != 0, mask&128 != 0, mask&256 != 0}
		b := newOrg(t)
		relax := "BYPASS"
		if v.enforce {
			relax = "ENFORCE"
		}
		b.app("App", key, v.cc, runAs, relax, false)
		perms := []string{"ApiEnabled"}
		if v.admin {
			perms = append(perms, "ModifyAllData")
		}
		b.profile("P", v.ranges, perms...).user(runAs, "P", v.active)
		if v.rt {
			b.realtime()
		}
		if v.tsp {
			b.policy("ApiEvent", true)
		}
		fs := []report.Finding{find(detectors.RuleConsumerKey, key, "r", "a.py", 1)}
		if v.withSecret {
			fs = append(fs, withKey(find(detectors.RuleConsumerSecret, secret, "r", "a.py", 2), key))
		}
		if v.public {
			for i := range fs {
				fs[i].Visibility = "public"
			}
		}
		e := only(t, Build(fs, b.org, w))
		name := fmt.Sprintf("%+v", v)
		if v.cc && e.RiskScore < lowestOn {
			lowestOn, lowestOnName = e.RiskScore, name
		}
		if !v.cc && e.RiskScore > highestOff {
			highestOff, highestOffName = e.RiskScore, name
		}
	}
	if highestOff >= lowestOn {
		t.Errorf("a disabled flow (%s: %.1f) scores at or above an enabled one (%s: %.1f)", highestOffName, highestOff, lowestOnName, lowestOn)
	}
}

func TestUnknownKeyIsStillAnExposure(t *testing.T) {
	w := defaultWeights(t)
	key, secret := fakecred.ConsumerKey("unknown"), fakecred.ConsumerSecret("unknown")
	org := newOrg(t).app("Other", fakecred.ConsumerKey("other"), true, "", "", false).org
	tests := []struct {
		name     string
		findings []report.Finding
		severity string
	}{
		{"key, literal secret and a client_credentials call: high", leak(key, secret, "r"), "high"},
		{"key and secret without a call: medium", leak(key, secret, "r")[:2], "medium"},
		{"the secret alone: medium", []report.Finding{find(detectors.RuleConsumerSecret, secret, "r", "a.env", 1)}, "medium"},
		{"the key alone: medium", []report.Finding{find(detectors.RuleConsumerKey, key, "r", "a.env", 1)}, "medium"},
		{"a call whose secret comes from the environment: low", []report.Finding{func() report.Finding {
			f := find(detectors.RuleClientCredentials, "os.environ", "r", "a.py", 3)
			f.FromEnv = true
			return f
		}()}, "low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := only(t, Build(tt.findings, org, w))
			if e.ConnectedApp != nil {
				t.Errorf("connected_app = %q, want null", *e.ConnectedApp)
			}
			if e.Severity != tt.severity {
				t.Errorf("severity %s (%.1f, %v), want %s", e.Severity, e.RiskScore, e.ScoreFactors, tt.severity)
			}
			js, _ := json.Marshal(e)
			if !strings.Contains(string(js), `"connected_app":null`) {
				t.Errorf("JSON lacks connected_app null: %s", js)
			}
			if e.Steps[2].Label != "no matching app in org metadata" {
				t.Errorf("app step = %q", e.Steps[2].Label)
			}
		})
	}
	t.Run("no org at all scores on the leak alone", func(t *testing.T) {
		e := only(t, Build(leak(key, secret, "r"), nil, w))
		if e.ConnectedApp != nil || e.Severity != "high" {
			t.Errorf("got %v %s", e.ConnectedApp, e.Severity)
		}
	})
}

func TestPublicRaisesTheScore(t *testing.T) {
	w := defaultWeights(t)
	key, secret := fakecred.ConsumerKey("public"), fakecred.ConsumerSecret("public")
	const runAs = "int@acme.example"
	orgs := map[string]*sfmeta.Org{
		"unknown app":       nil,
		"app, plain user":   newOrg(t).app("A", key, true, runAs, "", false).profile("P", false, "ApiEnabled").user(runAs, "P", true).org,
		"app, flow off":     newOrg(t).app("A", key, false, runAs, "", false).org,
		"app, admin capped": newOrg(t).app("A", key, true, runAs, "", false).user(runAs, "System Administrator", true).org,
	}
	for name, org := range orgs {
		t.Run(name, func(t *testing.T) {
			private := only(t, Build(leak(key, secret, "r"), org, w))
			pub := leak(key, secret, "r")
			pub[1].Visibility = "public"
			public := only(t, Build(pub, org, w))
			if !public.Public || private.Public {
				t.Errorf("public flag: %v / %v", public.Public, private.Public)
			}
			if private.RiskScore < w.Max && public.RiskScore <= private.RiskScore {
				t.Errorf("public %.1f not above private %.1f", public.RiskScore, private.RiskScore)
			}
			if public.RiskScore > w.Max {
				t.Errorf("public %.1f above the cap", public.RiskScore)
			}
			if !strings.Contains(public.Steps[0].Label, "public") || !strings.Contains(strings.Join(public.Remediation, " "), "Purge") {
				t.Errorf("public leak not said: %q", public.Steps[0].Label)
			}
		})
	}
}

func TestGrouping(t *testing.T) {
	w := defaultWeights(t)
	k1, s1 := fakecred.ConsumerKey("g1"), fakecred.ConsumerSecret("g1")
	k2, s2 := fakecred.ConsumerKey("g2"), fakecred.ConsumerSecret("g2")
	tests := []struct {
		name     string
		findings []report.Finding
		want     [][]int // finding indexes per exposure, in order of first finding
	}{
		{
			name: "key and secret a line apart in one file are one set",
			findings: []report.Finding{
				find(detectors.RuleConsumerKey, k1, "r", ".env", 1),
				find(detectors.RuleConsumerSecret, s1, "r", ".env", 2),
			},
			want: [][]int{{0, 1}},
		},
		{
			name: "key and secret far apart in one file are two sets",
			findings: []report.Finding{
				find(detectors.RuleConsumerKey, k1, "r", "big.py", 1),
				find(detectors.RuleConsumerSecret, s1, "r", "big.py", 200),
			},
			want: [][]int{{0}, {1}},
		},
		{
			name: "two key/secret pairs next to each other stay two sets",
			findings: []report.Finding{
				find(detectors.RuleConsumerKey, k1, "r", ".env", 1),
				find(detectors.RuleConsumerSecret, s1, "r", ".env", 2),
				find(detectors.RuleConsumerKey, k2, "r", ".env", 3),
				find(detectors.RuleConsumerSecret, s2, "r", ".env", 4),
			},
			want: [][]int{{0, 1}, {2, 3}},
		},
		{
			name: "the same key in two repositories is one set",
			findings: []report.Finding{
				find(detectors.RuleConsumerKey, k1, "acme/a", "x.py", 1),
				find(detectors.RuleConsumerKey, k1, "acme/b", "y.js", 40),
			},
			want: [][]int{{0, 1}},
		},
		{
			name: "a secret naming its key joins the key's set in another repository",
			findings: []report.Finding{
				find(detectors.RuleConsumerKey, k1, "acme/a", "x.py", 1),
				withKey(find(detectors.RuleConsumerSecret, s1, "acme/b", "deploy.sh", 7), k1),
				find(detectors.RuleConsumerSecret, s1, "acme/c", "old.sh", 3), // same secret, no key nearby
			},
			want: [][]int{{0, 1, 2}},
		},
		{
			name: "the same blob at two paths groups by blob",
			findings: func() []report.Finding {
				a := find(detectors.RuleConsumerKey, k1, "r", "a/config.yml", 3)
				b := find(detectors.RuleConsumerSecret, s1, "r", "b/config.yml", 4)
				b.Blob = a.Blob
				return []report.Finding{a, b}
			}(),
			want: [][]int{{0, 1}},
		},
		{
			name: "findings of rules outside the model are not exposures",
			findings: []report.Finding{
				find("custom-rule", "whatever-value-123", "r", "x", 1),
				find(detectors.RuleRefreshToken, fakecred.RefreshToken("g"), "r", "x", 2),
			},
			want: [][]int{{1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, input := range []struct {
				name string
				fs   []report.Finding
			}{{"raw", tt.findings}, {"from JSON", asJSON(tt.findings)}} {
				exps := Build(input.fs, nil, w)
				fpIndex := map[string]int{}
				for i, f := range tt.findings {
					fpIndex[f.Fingerprint] = i
				}
				var got [][]int
				for _, e := range exps {
					var g []int
					for _, ref := range e.Findings {
						g = append(g, fpIndex[ref])
					}
					got = append(got, g)
				}
				// Order sets by first finding for comparison.
				sortSets(got)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: sets (-want +got):\n%s", input.name, diff)
				}
			}
		})
	}
	t.Run("locations and the leak step count repositories", func(t *testing.T) {
		fs := []report.Finding{
			find(detectors.RuleConsumerKey, k1, "acme/a", "x.py", 1),
			withKey(find(detectors.RuleConsumerSecret, s1, "acme/a", "x.py", 2), k1),
			find(detectors.RuleConsumerKey, k1, "acme/b", "y.js", 40),
		}
		e := only(t, Build(fs, nil, w))
		if len(e.Locations) != 3 || e.Steps[0].Label != "3 locations in 2 repositories" {
			t.Errorf("locations %d, leak %q", len(e.Locations), e.Steps[0].Label)
		}
	})
}

func sortSets(s [][]int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j][0] < s[j-1][0]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestMetadataFindingIsAnExposureOfItsApp(t *testing.T) {
	w := defaultWeights(t)
	key := fakecred.ConsumerKey("meta")
	const runAs = "int@acme.example"
	org := newOrg(t).app("Billing_Sync", key, true, runAs, "", false).user(runAs, "System Administrator", true).org
	f := find(detectors.RuleConnectedAppCC, "isClientCredentialEnabled", "acme/sfdx", "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml", 8)
	e := only(t, Build([]report.Finding{f}, org, w))
	if e.ConnectedApp == nil || *e.ConnectedApp != "Billing_Sync" || !e.ClientCredentialsEnabled {
		t.Fatalf("exposure = %+v", e)
	}
	// The band follows the app's configuration (flow on, System Administrator run-as user, no
	// mitigation: critical), even though the secret itself was not found beside it.
	if e.Severity != "critical" || !strings.Contains(strings.Join(e.ScoreFactors, " "), "secret_missing") {
		t.Errorf("metadata only: %.1f %s %v, want critical with secret_missing", e.RiskScore, e.Severity, e.ScoreFactors)
	}
	if e.ConsumerKey != report.Redact(key) {
		t.Errorf("consumer key = %q, want the app's key redacted", e.ConsumerKey)
	}
}

func TestUserCredentials(t *testing.T) {
	w := defaultWeights(t)
	const admin = "admin@acme.example"
	org := newOrg(t).user(admin, "System Administrator", true).realtime().org
	pw := find(detectors.RulePasswordGrant, fakecred.Password("u"), "r", "login.py", 3)
	pw.Username = admin
	sfdx := find(detectors.RuleSFDXAuthURL, fakecred.SFDXAuthURL("u", "", "", "acme.my.salesforce.com"), "r", ".github/workflows/ci.yml", 12)
	sfdx.Host = "acme.my.salesforce.com"
	tests := []struct {
		name     string
		f        report.Finding
		severity string
		user     string
	}{
		{"a hard-coded password of an admin user: critical", pw, "critical", admin},
		{"an SFDX auth URL of an unknown user: high", sfdx, "high", ""},
		{"an access token: medium", find(detectors.RuleAccessToken, fakecred.AccessToken("u"), "r", "notes.md", 1), "medium", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := only(t, Build([]report.Finding{tt.f}, org, w))
			if e.Severity != tt.severity || e.RunAsUser != tt.user {
				t.Errorf("%.1f %s user %q; factors %v", e.RiskScore, e.Severity, e.RunAsUser, e.ScoreFactors)
			}
			if len(e.Remediation) == 0 || !strings.Contains(e.Remediation[0], "Revoke") && !strings.Contains(e.Remediation[0], "Reset") {
				t.Errorf("remediation = %v", e.Remediation)
			}
		})
	}
}

// TestNoRawSecretInText: labels, details, remediation, factors and the key field hold no raw
// value, even when findings carry unredacted Secret (--no-redact).
func TestNoRawSecretInText(t *testing.T) {
	w := defaultWeights(t)
	dir := orgtest.Dir(t)
	org, errs, err := sfmeta.LoadOrg(dir, "")
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	var fs []report.Finding
	var raws []string
	for _, app := range orgtest.Apps {
		key, secret := orgtest.Key(app), orgtest.Secret(app)
		raws = append(raws, key, secret)
		for _, f := range leak(key, secret, "acme/"+app) {
			f.Secret, f.ConsumerKey = f.Raw, f.RawKey // as with --no-redact
			fs = append(fs, f)
		}
	}
	tok := fakecred.SFDXAuthURL("t", "", "", "acme.my.salesforce.com")
	raws = append(raws, tok)
	f := find(detectors.RuleSFDXAuthURL, tok, "r", "ci.yml", 1)
	f.Secret = tok
	fs = append(fs, f)
	exps := Build(fs, org, w)
	if len(exps) != len(orgtest.Apps)+1 {
		t.Fatalf("%d exposures", len(exps))
	}
	js, err := json.Marshal(exps)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		if strings.Contains(string(js), raw) || strings.Contains(string(js), raw[:20]) {
			t.Errorf("raw value %s… in exposures", raw[:6])
		}
	}
}

func TestFixtureBands(t *testing.T) {
	w := defaultWeights(t)
	org, errs, err := sfmeta.LoadOrg(orgtest.Dir(t), "")
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	want := map[string]string{
		orgtest.BillingSync:        "critical",
		orgtest.MarketingConnector: "high",
		orgtest.WarehouseExport:    "medium",
		orgtest.LegacyReporting:    "low",
		orgtest.PartnerSync:        "high",
	}
	var fs []report.Finding
	for _, app := range orgtest.Apps {
		fs = append(fs, leak(orgtest.Key(app), orgtest.Secret(app), "acme/"+strings.ToLower(app))...)
	}
	for _, input := range []struct {
		name string
		fs   []report.Finding
	}{{"raw", fs}, {"recomputed from JSON", asJSON(fs)}} {
		t.Run(input.name, func(t *testing.T) {
			got := map[string]string{}
			scores := map[string]float64{}
			for _, e := range Build(input.fs, org, w) {
				if e.ConnectedApp == nil {
					t.Fatalf("unmatched exposure %+v", e)
				}
				got[*e.ConnectedApp] = e.Severity
				scores[*e.ConnectedApp] = e.RiskScore
				if *e.ConnectedApp == orgtest.WarehouseExport {
					if len(e.Mitigations) != 3 || !strings.Contains(e.Mitigations[0], "ETL Integration (203.0.113.10–203.0.113.20) enforced by Warehouse Export") {
						t.Errorf("warehouse mitigations = %q", e.Mitigations)
					}
					if e.RiskScore >= 7 {
						t.Errorf("warehouse %.1f, want below 7", e.RiskScore)
					}
				}
				if *e.ConnectedApp == orgtest.PartnerSync && (e.AppType != sfmeta.TypeECA || !strings.Contains(strings.Join(e.Remediation, " "), "External Client App Manager → Partner Sync")) {
					t.Errorf("partner sync: %s %v", e.AppType, e.Remediation)
				}
				if *e.ConnectedApp == orgtest.LegacyReporting && !strings.Contains(strings.Join(e.Remediation, " "), "already disabled") {
					t.Errorf("legacy remediation = %v", e.Remediation)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("bands (-want +got):\n%s\nscores %v", diff, scores)
			}
		})
	}
}

func TestLoadWeights(t *testing.T) {
	base := defaultWeights(t)
	builtin := func() []byte { return builtinRules() }
	tests := []struct {
		name    string
		layers  []detectors.ConfigLayer
		wantErr string
		check   func(t *testing.T, w Weights)
	}{
		{
			name:   "a later layer overrides only the keys it sets",
			layers: []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "team.toml", Data: []byte("[scoring]\nuser_admin = 3.0\n[[rules]]\nid = \"x\"\n"), Trusted: true}},
			check: func(t *testing.T, w Weights) {
				if w.UserAdmin != 3.0 || w.FlowEnabled != base.FlowEnabled {
					t.Errorf("user_admin %.1f flow_enabled %.1f", w.UserAdmin, w.FlowEnabled)
				}
			},
		},
		{
			name:   "an untrusted layer (a repository's own .sfleak.toml) cannot change the weights",
			layers: []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: ".sfleak.toml", Data: []byte("[scoring]\nuser_admin = -5.0\n")}},
			check: func(t *testing.T, w Weights) {
				if w.UserAdmin != base.UserAdmin {
					t.Errorf("user_admin %.1f, want %.1f", w.UserAdmin, base.UserAdmin)
				}
			},
		},
		{
			name:    "an unknown weight names the layer and key",
			layers:  []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "team.toml", Data: []byte("[scoring]\nuser_admn = 3.0\n"), Trusted: true}},
			wantErr: "team.toml: scoring.user_admn: unknown weight",
		},
		{
			name:    "a wrong type names the layer and key",
			layers:  []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "team.toml", Data: []byte("[scoring]\nuser_admin = \"high\"\n"), Trusted: true}},
			wantErr: `team.toml: scoring.user_admin: want a number, got "high"`,
		},
		{
			name:    "a list of numbers where strings are wanted",
			layers:  []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "t.toml", Data: []byte("[scoring]\nadmin_permissions = [1]\n"), Trusted: true}},
			wantErr: "t.toml: scoring.admin_permissions: want a list of non-empty strings",
		},
		{
			name:    "invalid TOML names the layer",
			layers:  []detectors.ConfigLayer{{Name: "broken.toml", Data: []byte("[scoring\n"), Trusted: true}},
			wantErr: "broken.toml: ",
		},
		{
			name:    "missing weights are listed",
			layers:  []detectors.ConfigLayer{{Name: "only.toml", Data: []byte("[scoring]\nmax = 10.0\n"), Trusted: true}},
			wantErr: "only.toml: scoring: missing critical, high",
		},
		{
			name:    "a disabled ceiling at or above the enabled floor is refused",
			layers:  []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "t.toml", Data: []byte("[scoring]\nflow_disabled_ceiling = 5.0\n"), Trusted: true}},
			wantErr: "flow_disabled_ceiling must be below flow_enabled_floor",
		},
		{
			name:    "unordered bands are refused",
			layers:  []detectors.ConfigLayer{{Name: "rules.toml", Data: builtin(), Trusted: true}, {Name: "t.toml", Data: []byte("[scoring]\nhigh = 9.5\n"), Trusted: true}},
			wantErr: "bands must satisfy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := LoadWeights(tt.layers...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, w)
		})
	}
}

// Detective controls alone and a missing secret do not take an enabled flow out of the high
// band (the control's "low risk when" needs login IP ranges enforced); with the IP
// restriction they may, and an inactive run-as user is not held up by the floor.
func TestUnrestrictedEnabledFlowStaysHigh(t *testing.T) {
	w := defaultWeights(t)
	key := fakecred.ConsumerKey("unrestricted")
	const runAs = "mc.connector@acme.example"
	keyOnly := []report.Finding{find(detectors.RuleConsumerKey, key, "acme/mc", "sync.py", 3)}
	tests := []struct {
		name     string
		org      func(b *orgBuilder)
		severity string
		min, max float64
	}{
		{"no powerful permission, monitored with a policy, key only: high", func(b *orgBuilder) {
			b.app("Marketing_Connector", key, true, runAs, "BYPASS", false).profile("Integration", false, "ApiEnabled").
				user(runAs, "Integration", true).realtime().policy("ApiEvent", true)
		}, "high", 7.0, 8.9},
		{"IP ranges enforced and monitored, key only: below 7", func(b *orgBuilder) {
			b.app("Marketing_Connector", key, true, runAs, "ENFORCE", false).profile("Integration", true, "ApiEnabled").
				user(runAs, "Integration", true).realtime()
		}, "", 0, 6.9},
		{"inactive run-as user, monitored, key only: below 7", func(b *orgBuilder) {
			b.app("Marketing_Connector", key, true, runAs, "BYPASS", false).profile("Integration", false, "ApiEnabled").
				user(runAs, "Integration", false).realtime()
		}, "", 0, 6.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newOrg(t)
			tt.org(b)
			e := only(t, Build(keyOnly, b.org, w))
			if e.RiskScore < tt.min || e.RiskScore > tt.max || (tt.severity != "" && e.Severity != tt.severity) {
				t.Errorf("%.1f %s, want %.1f–%.1f %s; factors %v", e.RiskScore, e.Severity, tt.min, tt.max, tt.severity, e.ScoreFactors)
			}
		})
	}
}
