package report

import (
	"strings"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// commitHash is a fake 40-hex commit id derived from a word.
func commitHash(word string) string {
	return strings.Repeat(hexOf(word), 40)[:40]
}

func hexOf(word string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for _, c := range []byte(word) {
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

// fixtureRaws are the raw values planted in fixtureReport: none may appear in any output
// unless NoRedact.
func fixtureRaws() []string {
	return []string{
		fakecred.ConsumerSecret("billing"),
		fakecred.ConsumerKey("billing"),
		fakecred.AccessToken("deploy"),
		fakecred.Password("etl"),
		fakecred.RefreshToken("notes"),
	}
}

// fixtureReport is a small report as the scanner and the exposure pass hand it to Finalize:
// findings out of order, without IDs or redaction; exposures naming findings by fingerprint.
// It has findings with and without exposures, a suppressed one, URLs, hostile path text and
// errors.
func fixtureReport() *Report {
	secret := fakecred.ConsumerSecret("billing")
	key := fakecred.ConsumerKey("billing")
	token := fakecred.AccessToken("deploy")
	password := fakecred.Password("etl")
	refresh := fakecred.RefreshToken("notes")
	const billing = "acme/billing"
	billingPy := "integrations/billing_sync.py"
	mk := func(f Finding) Finding {
		f.Fingerprint = Fingerprint(f.RuleID, f.Raw, f.Repository, f.Path)
		if f.Raw != "" {
			f.Credential = CredentialID(f.Raw)
		}
		return f
	}
	findings := []Finding{
		mk(Finding{RuleID: "sf-password-grant", Severity: SeverityHigh, Repository: "acme/etl", Path: "jobs/nightly.js",
			Line: 12, Column: 14, Commit: commitHash("etl"), Author: "Sam Ops", Email: "sam@acme.example",
			Date: "2024-02-10T08:00:00Z", InHead: true, Raw: password, Username: "etl@acme.example",
			Host: "login.salesforce.com", Suppressed: true, Description: "Username-password login with a hard-coded password"}),
		mk(Finding{RuleID: "sf-consumer-key", Severity: SeverityMedium, Repository: billing, Path: billingPy,
			Line: 4, Column: 16, Commit: commitHash("billing"), Author: "Jane Dev", Email: "jane@acme.example",
			Date: "2023-11-02T10:15:00+01:00", Raw: key,
			URL: "https://github.com/acme/billing/blob/" + commitHash("billing") + "/" + billingPy + "#L4"}),
		mk(Finding{RuleID: "sf-consumer-secret", Severity: SeverityCritical, Repository: billing, Path: billingPy,
			Line: 5, Column: 19, Commit: commitHash("billing"), Author: "Jane Dev", Email: "jane@acme.example",
			Date: "2023-11-02T10:15:00+01:00", Raw: secret, RawKey: key, KeyCredential: CredentialID(key),
			Host: "acme.my.salesforce.com",
			URL:  "https://github.com/acme/billing/blob/" + commitHash("billing") + "/" + billingPy + "#L5"}),
		mk(Finding{RuleID: "sf-access-token", Severity: SeverityCritical, Repository: "acme/web", Path: "scripts/deploy.sh",
			Line: 9, Column: 7, Commit: commitHash("deploy"), Author: "Lee Web", Email: "lee@acme.example",
			Date: "2024-05-01T12:00:00Z", InHead: true, Raw: token, Visibility: "public", New: ptr(true)}),
		mk(Finding{RuleID: "sf-refresh-token", Severity: SeverityLow, Repository: "acme/web",
			Path: "notes/<b>bold</b> & `tick` | pipe.md", Line: 2, Column: 1, Raw: refresh}),
		mk(Finding{RuleID: "sf-connected-app-cc-enabled", Severity: SeverityMedium, Repository: billing,
			Path: "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml", Line: 18, Column: 9,
			Commit: commitHash("meta"), Author: "Jane Dev", Date: "2023-10-01T09:00:00Z", InHead: true}),
	}
	fp := func(rule, path string) string {
		for _, f := range findings {
			if f.RuleID == rule && f.Path == path {
				return f.Fingerprint
			}
		}
		panic("no fixture finding " + rule)
	}
	return &Report{
		Tool:     Tool{Name: "ignored", Version: "0.0.0-test"},
		Findings: findings,
		Exposures: []Exposure{
			{
				// No org metadata matched: Steps left for the writers to build.
				ConnectedApp: nil, ConsumerKey: "", RunAsUser: "etl@acme.example", Profile: "",
				RiskScore: 5.2, Severity: SeverityMedium,
				Findings:    []string{fp("sf-password-grant", "jobs/nightly.js")},
				Locations:   []Location{{Repository: "acme/etl", Path: "jobs/nightly.js", Line: 12, Commit: commitHash("etl")}},
				Remediation: []string{"Reset the password of etl@acme.example and move the login to a secret store."},
			},
			{
				ConnectedApp: ptr("Billing_Sync"), ConnectedAppLabel: "Billing Sync", AppType: "ConnectedApp",
				ConsumerKey: key, ClientCredentialsEnabled: true, RunAsUser: "integration@acme.example",
				RunAsUserActive: ptr(true), Profile: "System Administrator",
				PermissionSets: []string{"Billing_Admin"}, Permissions: []string{"ModifyAllData", "ViewAllData"},
				RiskScore: 9.6, Severity: SeverityCritical,
				Findings: []string{fp("sf-consumer-secret", billingPy), fp("sf-consumer-key", billingPy),
					fp("sf-connected-app-cc-enabled", "force-app/main/default/connectedApps/Billing_Sync.connectedApp-meta.xml")},
				Locations: []Location{
					{Repository: billing, Path: billingPy, Line: 5, Commit: commitHash("billing")},
					{Repository: billing, Path: billingPy, Line: 4, Commit: commitHash("billing")},
				},
				Steps: []Step{
					{Kind: "leak", Label: "acme/billing: integrations/billing_sync.py:5", Detail: "not in HEAD"},
					{Kind: "credential", Label: "consumer key + consumer secret"},
					{Kind: "app", Label: "Billing Sync (Billing_Sync)", Detail: "ConnectedApp"},
					{Kind: "flow", Label: "client credentials ON"},
					{Kind: "user", Label: "integration@acme.example", Detail: "active"},
					{Kind: "permissions", Label: "System Administrator", Detail: "ModifyAllData, ViewAllData"},
					{Kind: "mitigations", Label: "none"},
					{Kind: "score", Label: "9.6 critical"},
				},
				Remediation: []string{
					"Disable the client credentials flow on Billing_Sync, or rotate its consumer secret.",
					"Give the run-as user a minimum-access profile.",
				},
				ScoreFactors: []string{"flow enabled +4", "ModifyAllData +3", "no IP restriction +1.5"},
			},
		},
		Errors: []Error{
			{Source: "acme/broken", Message: "clone failed: repository not found"},
			{Source: "acme/etl: config/old.env", Message: "could not parse near " + password},
		},
		Stats: Stats{Blobs: 1234, Bytes: 5 << 20, Commits: 321, DurationMS: 2500, Repositories: 4, SkippedBinary: 3},
	}
}
