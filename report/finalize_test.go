package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func finalized(o FinalizeOptions) *Report {
	r := fixtureReport()
	Finalize(r, o)
	return r
}

func TestFinalizeOrdersAndNumbersFindings(t *testing.T) {
	r := finalized(FinalizeOptions{ToolVersion: "1.2.3"})
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.ID+" "+f.Severity+" "+f.Repository+" "+f.Path+" "+f.RuleID)
	}
	want := []string{
		"F1 critical acme/billing integrations/billing_sync.py sf-consumer-secret",
		"F2 critical acme/web scripts/deploy.sh sf-access-token",
		"F3 high acme/etl jobs/nightly.js sf-password-grant",
		"F4 medium acme/billing force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml sf-connected-app-cc-enabled",
		"F5 medium acme/billing integrations/billing_sync.py sf-consumer-key",
		"F6 low acme/web notes/<b>bold</b> & `tick` | pipe.md sf-refresh-token",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("finding order (-want +got):\n%s", diff)
	}
	if r.Tool != (Tool{Name: "sfleak", Version: "1.2.3"}) {
		t.Errorf("tool = %+v", r.Tool)
	}
}

func TestFinalizeMapsExposureReferencesAndOrdersExposures(t *testing.T) {
	r := finalized(FinalizeOptions{})
	type ex struct {
		ID       string
		Score    float64
		Findings []string
	}
	var got []ex
	for _, e := range r.Exposures {
		got = append(got, ex{e.ID, e.RiskScore, e.Findings})
	}
	want := []ex{{"E1", 9.6, []string{"F1", "F4", "F5"}}, {"E2", 5.2, []string{"F3"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
}

func TestFinalizeIsDeterministicAndIdempotent(t *testing.T) {
	var want bytes.Buffer
	if err := (JSONWriter{}).Write(&want, finalized(FinalizeOptions{})); err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 5; seed++ {
		r := fixtureReport()
		rng := rand.New(rand.NewPCG(seed, seed))
		rng.Shuffle(len(r.Findings), func(i, j int) { r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i] })
		rng.Shuffle(len(r.Exposures), func(i, j int) { r.Exposures[i], r.Exposures[j] = r.Exposures[j], r.Exposures[i] })
		Finalize(r, FinalizeOptions{})
		Finalize(r, FinalizeOptions{}) // a second pass (merge) maps F-ids to themselves
		var got bytes.Buffer
		if err := (JSONWriter{}).Write(&got, r); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Fatalf("seed %d: output depends on input order or repeated Finalize (-want +got):\n%s", seed, diff)
		}
	}
}

func TestFinalizeRedaction(t *testing.T) {
	raws := fixtureRaws()
	tests := []struct {
		name     string
		noRedact bool
	}{
		{"redacted by default: no raw value in the model's JSON", false},
		{"--no-redact keeps secrets in full", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := finalized(FinalizeOptions{NoRedact: tt.noRedact})
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range raws {
				if got := bytes.Contains(data, []byte(raw)); got != tt.noRedact {
					t.Errorf("raw %s… in JSON = %v, want %v", raw[:4], got, tt.noRedact)
				}
			}
			f := r.Findings[0] // the consumer secret, with its paired key
			if tt.noRedact {
				if f.Secret != f.Raw || f.ConsumerKey != f.RawKey {
					t.Errorf("NoRedact: Secret/ConsumerKey not raw")
				}
			} else {
				if f.Secret != Redact(f.Raw) || f.ConsumerKey != Redact(f.RawKey) {
					t.Errorf("Secret = %q, ConsumerKey = %q, want Redact of raw", f.Secret, f.ConsumerKey)
				}
				if !strings.HasSuffix(r.Exposures[0].ConsumerKey, "REDACTED") {
					t.Errorf("exposure consumer key not redacted: %q", r.Exposures[0].ConsumerKey)
				}
			}
		})
	}
}

func TestFinalizeEmptyReportPrintsEmptyLists(t *testing.T) {
	r := &Report{}
	Finalize(r, FinalizeOptions{ToolVersion: "dev"})
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"findings":[]`, `"exposures":[]`, `"errors":[]`, `"name":"sfleak"`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("JSON lacks %s: %s", key, data)
		}
	}
}

func TestFinalizeKeepsSecretsOfLoadedReports(t *testing.T) {
	// A finding read back from JSON (merge) has no Raw: its Secret stays, and is redacted once.
	r := &Report{Findings: []Finding{{RuleID: "sf-access-token", Secret: "00Dxx…REDACTED"}, {RuleID: "sf-refresh-token", Secret: "5Aep861abcdefghijk"}}}
	Finalize(r, FinalizeOptions{})
	got := []string{r.Findings[0].Secret, r.Findings[1].Secret}
	want := []string{"00Dxx…REDACTED", Redact("5Aep861abcdefghijk")}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAtOrAbove(t *testing.T) {
	tests := []struct {
		name   string
		level  string
		mutate func(*Report)
		want   bool
	}{
		{"critical findings fail --fail-on critical", "critical", nil, true},
		{"low fails on a report with criticals", "low", nil, true},
		{"an empty report never fails", "info", func(r *Report) { r.Findings, r.Exposures = nil, nil }, false},
		{"only a low finding does not fail --fail-on medium", "medium", func(r *Report) {
			r.Findings = []Finding{{ID: "F1", Severity: SeverityLow}}
			r.Exposures = nil
		}, false},
		{"a suppressed critical finding does not fail", "high", func(r *Report) {
			r.Findings = []Finding{{ID: "F1", Severity: SeverityCritical, Suppressed: true}, {ID: "F2", Severity: SeverityLow}}
			r.Exposures = nil
		}, false},
		{"an exposure of only suppressed findings does not fail", "high", func(r *Report) {
			r.Findings = []Finding{{ID: "F1", Severity: SeverityCritical, Suppressed: true}}
			r.Exposures = []Exposure{{Severity: SeverityCritical, Findings: []string{"F1"}}}
		}, false},
		{"a critical exposure fails even when its findings are low", "critical", func(r *Report) {
			r.Findings = []Finding{{ID: "F1", Severity: SeverityLow}}
			r.Exposures = []Exposure{{Severity: SeverityCritical, Findings: []string{"F1"}}}
		}, true},
		{"level names are case-insensitive", "CRITICAL", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := finalized(FinalizeOptions{})
			if tt.mutate != nil {
				tt.mutate(r)
			}
			if got := AtOrAbove(r, tt.level); got != tt.want {
				t.Errorf("AtOrAbove(%q) = %v, want %v", tt.level, got, tt.want)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	for _, ok := range []string{"info", "low", "Medium", " high ", "critical"} {
		if got, err := ParseLevel(ok); err != nil || got != strings.ToLower(strings.TrimSpace(ok)) {
			t.Errorf("ParseLevel(%q) = %q, %v", ok, got, err)
		}
	}
	for _, bad := range []string{"", "severe", "none", "5"} {
		if _, err := ParseLevel(bad); err == nil {
			t.Errorf("ParseLevel(%q) accepted", bad)
		}
	}
}
