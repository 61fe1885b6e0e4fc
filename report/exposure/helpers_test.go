package exposure

import (
	"strings"
	"testing"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
)

// defaultWeights are the built-in [scoring] weights.
func defaultWeights(t testing.TB) Weights {
	t.Helper()
	w, err := LoadWeights(detectors.ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		t.Fatalf("LoadWeights: %v", err)
	}
	return w
}

// find builds a finding as the scanner would: raw value, its credential id, a fingerprint and
// a blob id derived from repository and path (one blob per file in these tests).
func find(rule, raw, repo, path string, line int) report.Finding {
	return report.Finding{
		RuleID: rule, Repository: repo, Path: path, Line: line, Column: 1,
		Raw: raw, Secret: report.Redact(raw), Credential: report.CredentialID(raw),
		Fingerprint: report.Fingerprint(rule, raw, repo, path),
		Blob:        "blob:" + repo + "/" + path,
	}
}

// withKey pairs a finding with its consumer key, as the detectors do for secrets and calls.
func withKey(f report.Finding, key string) report.Finding {
	f.RawKey, f.ConsumerKey, f.KeyCredential = key, report.Redact(key), report.CredentialID(key)
	return f
}

// asJSON strips what a JSON report does not carry (sfleak merge input).
func asJSON(fs []report.Finding) []report.Finding {
	out := make([]report.Finding, len(fs))
	for i, f := range fs {
		f.Raw, f.RawKey = "", ""
		out[i] = f
	}
	return out
}

const ns = ` xmlns="http://soap.sforce.com/2006/04/metadata"`

// orgBuilder assembles a small org from XML snippets.
type orgBuilder struct {
	t   testing.TB
	org *sfmeta.Org
}

func newOrg(t testing.TB) *orgBuilder { return &orgBuilder{t: t, org: sfmeta.NewOrg()} }

func (b *orgBuilder) file(path, xml string) *orgBuilder {
	b.t.Helper()
	if err := b.org.AddFile(path, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+xml)); err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
	return b
}

// app adds a Connected App. ipRelax "" leaves it unset.
func (b *orgBuilder) app(name, key string, cc bool, runAs, ipRelax string, cert bool) *orgBuilder {
	var x strings.Builder
	x.WriteString("<ConnectedApp" + ns + "><label>" + strings.ReplaceAll(name, "_", " ") + "</label><oauthConfig>")
	if cert {
		x.WriteString("<certificate>-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----</certificate>")
	}
	x.WriteString("<consumerKey>" + key + "</consumerKey>")
	if cc {
		x.WriteString("<isClientCredentialEnabled>true</isClientCredentialEnabled>")
	} else {
		x.WriteString("<isClientCredentialEnabled>false</isClientCredentialEnabled>")
	}
	if runAs != "" {
		x.WriteString("<oauthClientCredentialUser>" + runAs + "</oauthClientCredentialUser>")
	}
	x.WriteString("</oauthConfig>")
	if ipRelax != "" {
		x.WriteString("<oauthPolicy><ipRelaxation>" + ipRelax + "</ipRelaxation></oauthPolicy>")
	}
	x.WriteString("</ConnectedApp>")
	return b.file("force-app/main/default/connectedApps/"+name+".connectedApp-meta.xml", x.String())
}

// profile adds a profile file with the given enabled permissions and optional IP range.
func (b *orgBuilder) profile(fileName string, ranges bool, perms ...string) *orgBuilder {
	var x strings.Builder
	x.WriteString("<Profile" + ns + "><custom>true</custom>")
	if ranges {
		x.WriteString("<loginIpRanges><endAddress>203.0.113.20</endAddress><startAddress>203.0.113.10</startAddress></loginIpRanges>")
	}
	for _, p := range perms {
		x.WriteString("<userPermissions><enabled>true</enabled><name>" + p + "</name></userPermissions>")
	}
	x.WriteString("</Profile>")
	return b.file("force-app/main/default/profiles/"+fileName+".profile-meta.xml", x.String())
}

func (b *orgBuilder) permset(name string, perms ...string) *orgBuilder {
	var x strings.Builder
	x.WriteString("<PermissionSet" + ns + "><label>" + name + "</label>")
	for _, p := range perms {
		x.WriteString("<userPermissions><enabled>true</enabled><name>" + p + "</name></userPermissions>")
	}
	x.WriteString("</PermissionSet>")
	return b.file("force-app/main/default/permissionsets/"+name+".permissionset-meta.xml", x.String())
}

func (b *orgBuilder) realtime() *orgBuilder {
	return b.file("force-app/main/default/settings/RealTimeEvent.settings-meta.xml",
		"<RealTimeEventSettings"+ns+"><realTimeEvents><entityName>ApiEvent</entityName><isEnabled>true</isEnabled></realTimeEvents></RealTimeEventSettings>")
}

func (b *orgBuilder) policy(event string, active bool) *orgBuilder {
	a := "false"
	if active {
		a = "true"
	}
	return b.file("force-app/main/default/transactionSecurityPolicies/P_"+event+".transactionSecurityPolicy-meta.xml",
		"<TransactionSecurityPolicy"+ns+"><action><block>true</block></action><active>"+a+"</active><eventName>"+event+"</eventName><masterLabel>Guard "+event+"</masterLabel></TransactionSecurityPolicy>")
}

func (b *orgBuilder) enforceEveryRequest() *orgBuilder {
	return b.file("force-app/main/default/settings/Security.settings-meta.xml",
		"<SecuritySettings"+ns+"><sessionSettings><enforceIpRangesEveryRequest>true</enforceIpRangesEveryRequest></sessionSettings></SecuritySettings>")
}

// user adds one user record (profile display name; active).
func (b *orgBuilder) user(username, profile string, active bool, permsets ...string) *orgBuilder {
	b.t.Helper()
	act := "false"
	if active {
		act = "true"
	}
	rec := `{"Username":"` + username + `","IsActive":` + act + `,"Profile":{"Name":"` + profile + `"}}`
	if err := b.org.AddUsersJSON([]byte("[" + rec + "]")); err != nil {
		b.t.Fatal(err)
	}
	for _, ps := range permsets {
		if err := b.org.AddUsersJSON([]byte(`[{"Assignee":{"Username":"` + username + `"},"PermissionSet":{"Name":"` + ps + `"}}]`)); err != nil {
			b.t.Fatal(err)
		}
	}
	return b
}

func builtinRules() []byte { return sfleak.RulesTOML }
