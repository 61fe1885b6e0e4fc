package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/report"
)

func ptr(s string) *string { return &s }

var now = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func occ(repo, path, commit, date, vis string, inHead bool) report.Occurrence {
	return report.Occurrence{Repository: repo, Path: path, Line: 3, Commit: commit, Date: date,
		Visibility: vis, InHead: inHead, RuleID: "sf-consumer-secret", Author: "Dev"}
}

func TestBuildWindow(t *testing.T) {
	c := func(n string) string { return strings.Repeat(n, 40) }
	tests := []struct {
		name        string
		in          Input
		firstSeen   *report.Seen
		firstPublic *report.Seen
		removed     *report.Seen
		inHead      bool
		window      float64
	}{
		{
			name: "first seen is the earliest commit in any repository, first public the earliest public one",
			in: Input{
				Occurrences: []report.Occurrence{
					occ("acme/public", "a.py", c("b"), "2024-01-10T00:00:00Z", "public", false),
					occ("acme/private", "b.py", c("a"), "2024-01-02T12:00:00Z", "private", false),
					occ("acme/public", "c.py", c("c"), "2024-01-20T00:00:00Z", "public", false),
				},
				Removals: []Removal{
					{Repository: "acme/private", Removed: &report.Seen{Commit: c("d"), Date: "2024-01-05T12:00:00Z"}},
					{Repository: "acme/public", Removed: &report.Seen{Commit: c("e"), Date: "2024-02-01T12:00:00Z"}},
				},
				Now: now,
			},
			firstSeen:   &report.Seen{Commit: c("a"), Date: "2024-01-02T12:00:00Z", Repository: "acme/private"},
			firstPublic: &report.Seen{Commit: c("b"), Date: "2024-01-10T00:00:00Z", Repository: "acme/public"},
			removed:     &report.Seen{Commit: c("e"), Date: "2024-02-01T12:00:00Z", Repository: "acme/public"},
			window:      30,
		},
		{
			name: "still in HEAD in one repository means no removal and a window up to now",
			in: Input{
				Occurrences: []report.Occurrence{
					occ("r1", "a.py", c("a"), "2024-02-01T00:00:00Z", "", false),
					occ("r2", "a.py", c("b"), "2024-02-10T00:00:00Z", "", true),
				},
				Removals: []Removal{{Repository: "r1", Removed: &report.Seen{Commit: c("d"), Date: "2024-02-05T00:00:00Z"}}},
				Now:      now,
			},
			firstSeen: &report.Seen{Commit: c("a"), Date: "2024-02-01T00:00:00Z", Repository: "r1"},
			inHead:    true,
			window:    29,
		},
		{
			name: "a removal walk that finds HEAD holding it wins over occurrences that say otherwise",
			in: Input{
				Occurrences: []report.Occurrence{occ("r1", "a.py", c("a"), "2024-02-01T00:00:00Z", "", false)},
				Removals:    []Removal{{Repository: "r1", InHead: true}},
				Now:         now,
			},
			firstSeen: &report.Seen{Commit: c("a"), Date: "2024-02-01T00:00:00Z", Repository: "r1"},
			inHead:    true,
			window:    29,
		},
		{
			name: "undated occurrences (plain files) give no first seen and no window",
			in: Input{
				Occurrences: []report.Occurrence{occ("dir", "a.py", "", "", "", true)},
				Now:         now,
			},
			inHead: true,
		},
		{
			name: "off HEAD with no known removal (side branch only) has no removal and runs to now",
			in: Input{
				Occurrences: []report.Occurrence{occ("r1", "a.py", c("a"), "2024-02-29T00:00:00Z", "", false)},
				Removals:    []Removal{{Repository: "r1"}},
				Now:         now,
			},
			firstSeen: &report.Seen{Commit: c("a"), Date: "2024-02-29T00:00:00Z", Repository: "r1"},
			window:    1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(tt.in)
			if diff := cmp.Diff(tt.firstSeen, got.FirstSeen); diff != "" {
				t.Errorf("first_seen (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.firstPublic, got.FirstPublic); diff != "" {
				t.Errorf("first_public (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.removed, got.Removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			if got.InHead != tt.inHead {
				t.Errorf("in_head = %v, want %v", got.InHead, tt.inHead)
			}
			if got.WindowDays != tt.window {
				t.Errorf("window_days = %v, want %v", got.WindowDays, tt.window)
			}
			if len(got.Checklist) != 6 {
				t.Errorf("checklist has %d steps, want 6", len(got.Checklist))
			}
			for _, o := range got.Occurrences {
				if o.Refs == nil {
					t.Error("occurrence refs must be [] not null")
				}
			}
		})
	}
}

func TestBuildSortsAndDeduplicatesOccurrences(t *testing.T) {
	a := occ("r", "a.py", strings.Repeat("a", 40), "2024-01-02T00:00:00Z", "", false)
	b := occ("r", "b.py", strings.Repeat("b", 40), "2024-01-01T00:00:00Z", "", false)
	undated := occ("dir", "c.py", "", "", "", true)
	got := Build(Input{Occurrences: []report.Occurrence{undated, a, b, a}, Now: now})
	var paths []string
	for _, o := range got.Occurrences {
		paths = append(paths, o.Path)
	}
	if diff := cmp.Diff([]string{"b.py", "a.py", "c.py"}, paths); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestChecklist(t *testing.T) {
	key := fakecred.ConsumerKey("checklist")
	base := Input{
		RuleID: "sf-consumer-secret",
		Secret: report.Redact(fakecred.ConsumerSecret("checklist")),
		Key:    report.Redact(key),
		Host:   "acme.my.salesforce.com",
		Occurrences: []report.Occurrence{
			occ("acme/billing", "sync.py", strings.Repeat("a", 40), "2024-01-02T09:00:00Z", "public", false),
			occ("acme/internal", "etl.py", strings.Repeat("b", 40), "2024-01-05T09:00:00Z", "private", true),
		},
		Exposures: []report.Exposure{{
			ConnectedApp: ptr("Billing_Sync"), ConnectedAppLabel: "Billing Sync", AppType: "ConnectedApp",
			ClientCredentialsEnabled: true, RunAsUser: "integration@acme.example", RiskScore: 9.6,
		}},
		Now: now,
	}
	base.Occurrences[0].Refs = []string{"refs/heads/main", "refs/tags/v1"}
	eca := base
	eca.Exposures = []report.Exposure{{ConnectedApp: ptr("Acme_ETL"), AppType: "ExternalClientApplication", RunAsUser: "etl@acme.example"}}
	unknown := base
	unknown.Exposures = nil
	unknown.Occurrences = []report.Occurrence{occ("acme/internal", "etl.py", strings.Repeat("b", 40), "2024-01-05T09:00:00Z", "", false)}
	verified := base
	verified.Verify = &report.Verify{Status: "valid", Host: "acme.my.salesforce.com"}
	access := base
	access.RuleID = "sf-access-token"

	tests := []struct {
		name string
		in   Input
		// want[i] are substrings of step i.
		want [6][]string
	}{
		{
			name: "a Connected App leak names the app, paths, user, repositories, commits and dates in order",
			in:   base,
			want: [6][]string{
				{"Rotate the consumer secret", `"Billing Sync" (Billing_Sync)`, "Manage Consumer Details", "staged", "3MVG…REDACTED"},
				{"Revoke", "Connected Apps OAuth Usage → Billing Sync", "integration@acme.example"},
				{"untick Enable Client Credentials Flow", "Setup → App Manager → Billing Sync ▾ → Edit → API (Enable OAuth Settings)", "flow is ON", "isClientCredentialEnabled=false"},
				{"JWT bearer", "openssl req -x509", "sf org login jwt", "--username integration@acme.example", "--instance-url https://acme.my.salesforce.com"},
				{"Purge the credential from public history: acme/billing (public) commits aaaaaaa on refs/heads/main, refs/tags/v1", "Public since 2024-01-02", "acme/internal (private) commits bbbbbbb", "remove it from HEAD first"},
				{"since 2024-01-02", "LoginHistory WHERE LoginTime >= 2024-01-02T00:00:00Z AND Application = 'Billing Sync'", "FROM EventLogFile", "FROM ApiEvent WHERE EventDate >= 2024-01-02T00:00:00Z AND Username = 'integration@acme.example'", "acme/billing (aaaaaaa)"},
			},
		},
		{
			name: "an External Client App leak uses the ECA Setup paths",
			in:   eca,
			want: [6][]string{
				{"External Client App", "External Client App Manager → Acme_ETL", "/staged"},
				{"Revoke"},
				{"External Client App Manager → Acme_ETL → Edit Settings → OAuth Settings → Flow Enablement", "isClientCredentialsFlowEnabled=false", "Policies → OAuth Policies"},
				{"ExtlClntAppGlobalOauthSettings.certificate", "etl@acme.example"},
				{"public history"},
				{"Username = 'etl@acme.example'"},
			},
		},
		{
			name: "without org metadata the checklist says how to find the app and that nothing is known public",
			in:   unknown,
			want: [6][]string{
				{"No org metadata matched the key"},
				{"Revoke"},
				{"does not say whether the flow is on"},
				{"<integration user>"},
				{"No occurrence is known to be public", "acme/internal commits bbbbbbb"},
				{"LoginHistory WHERE LoginTime >= 2024-01-05T00:00:00Z ORDER BY LoginTime"},
			},
		},
		{
			name: "a verified-live credential makes the first step urgent",
			in:   verified,
			want: [6][]string{{"URGENT", "acme.my.salesforce.com"}, {}, {}, {}, {}, {}},
		},
		{
			name: "a leaked access token is revoked itself",
			in:   access,
			want: [6][]string{{"access token"}, {"POST /services/oauth2/revoke"}, {}, {}, {}, {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(tt.in).Checklist
			if len(got) != 6 {
				t.Fatalf("got %d steps, want 6: %q", len(got), got)
			}
			for i, subs := range tt.want {
				for _, s := range subs {
					if !strings.Contains(got[i], s) {
						t.Errorf("step %d lacks %q:\n%s", i+1, s, got[i])
					}
				}
			}
			for i, step := range got {
				if strings.Contains(step, key) || strings.Contains(step, fakecred.ConsumerSecret("checklist")) {
					t.Errorf("step %d holds a raw secret", i+1)
				}
				if strings.Contains(step, "\n") {
					t.Errorf("step %d spans lines", i+1)
				}
			}
		})
	}
}

func TestSOQLEscapes(t *testing.T) {
	if got := soql(`O'Brien\x`); got != `O\'Brien\\x` {
		t.Errorf("soql = %s", got)
	}
}
