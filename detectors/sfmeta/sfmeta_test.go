package sfmeta

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfleak/sfleak/detectors/fakecred"
	"github.com/sfleak/sfleak/detectors/sfmeta/orgtest"
	"github.com/sfleak/sfleak/report"
)

const xmlHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// doc wraps body in a root element with the metadata namespace (or none).
func doc(root, body string, ns bool) string {
	attr := ""
	if ns {
		attr = ` xmlns="` + Namespace + `"`
	}
	return xmlHead + "<" + root + attr + ">" + body + "</" + root + ">\n"
}

func TestAddFileReadsEachTypeInBothFormats(t *testing.T) {
	key := fakecred.ConsumerKey("sfmeta-types")
	secret := fakecred.ConsumerSecret("sfmeta-types")
	tests := []struct {
		name  string
		dir   string // folder; the file is dir/<stem>.<suffix>[-meta.xml]
		stem  string
		suf   string
		root  string
		body  string
		check func(t *testing.T, o *Org)
	}{
		{
			name: "a connected app gives label, key, flow, run-as user, certificate, scopes, IP policy and pre-authorised profiles",
			dir:  "connectedApps", stem: "Acme_ETL", suf: "connectedApp", root: "ConnectedApp",
			body: `<label>Acme ETL</label><oauthConfig><certificate>-----BEGIN CERTIFICATE-----
MIIB
-----END CERTIFICATE-----</certificate><consumerKey>` + key + `</consumerKey><consumerSecret>` + secret + `</consumerSecret>
<isAdminApproved>true</isAdminApproved><isClientCredentialEnabled>true</isClientCredentialEnabled>
<oauthClientCredentialUser>etl@example.com</oauthClientCredentialUser><scopes>Api</scopes><scopes>RefreshToken</scopes></oauthConfig>
<oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation></oauthPolicy><profileName>ETL Integration</profileName><permissionSetName>ETL_Access</permissionSetName>`,
			check: func(t *testing.T, o *Org) {
				a := o.App(TypeConnectedApp, "Acme_ETL")
				if a == nil {
					t.Fatal("app not loaded")
				}
				got := []any{a.Label, a.ConsumerKey == key, a.HasConsumerSecret, a.ClientCredentials, a.RunAsUser, a.Certificate, a.AdminApproved, a.Scopes, a.IPPolicy(), a.Profiles, a.PermissionSets}
				want := []any{"Acme ETL", true, true, true, "etl@example.com", true, true, []string{"Api", "RefreshToken"}, IPEnforce, []string{"ETL Integration"}, []string{"ETL_Access"}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("app (-want +got):\n%s", diff)
				}
				if o.AppByKey(key) != a || o.AppByKeyCredential(report.CredentialID(key)) != a || o.AppBySecretCredential(report.CredentialID(secret)) != a {
					t.Error("app not found by key, key credential or secret credential")
				}
			},
		},
		{
			name: "an external client app header gives label, contact and distribution state",
			dir:  "externalClientApps", stem: "Partner", suf: "eca", root: "ExternalClientApplication",
			body: `<contactEmail>p@example.com</contactEmail><distributionState>Local</distributionState><label>Partner</label>`,
			check: func(t *testing.T, o *Org) {
				a := o.App(TypeECA, "Partner")
				if a == nil || a.Label != "Partner" || a.ContactEmail != "p@example.com" || a.DistributionState != "Local" {
					t.Errorf("eca = %+v", a)
				}
			},
		},
		{
			name: "ECA global OAuth settings give key, secret, certificate and the flow flag, joined by externalClientApplication",
			dir:  "extlClntAppGlobalOauthSets", stem: "Partner_glbloauth", suf: "ecaGlblOauth", root: "ExtlClntAppGlobalOauthSettings",
			body: `<consumerKey>` + key + `</consumerKey><consumerSecret>` + secret + `</consumerSecret><certificate>PEM</certificate>
<externalClientApplication>Partner</externalClientApplication><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>`,
			check: func(t *testing.T, o *Org) {
				a := o.App(TypeECA, "Partner")
				if a == nil || !a.HasConsumerSecret || !a.Certificate || !a.ClientCredentials || o.AppByKey(key) != a {
					t.Errorf("eca = %+v", a)
				}
			},
		},
		{
			name: "ECA OAuth settings give scopes",
			dir:  "extlClntAppOauthSettings", stem: "Partner_oauth", suf: "ecaOauth", root: "ExtlClntAppOauthSettings",
			body: `<commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes><externalClientApplication>Partner</externalClientApplication>`,
			check: func(t *testing.T, o *Org) {
				a := o.App(TypeECA, "Partner")
				if a == nil || !slices.Equal(a.Scopes, []string{"Api", "RefreshToken"}) {
					t.Errorf("eca = %+v", a)
				}
			},
		},
		{
			name: "ECA policies give the flow flag, run-as user, IP policy and permitted users",
			dir:  "extlClntAppOauthPolicies", stem: "Partner_oauthPlcy", suf: "ecaOauthPlcy", root: "ExtlClntAppOauthConfigurablePolicies",
			body: `<clientCredentialsFlowUser>sync@example.com</clientCredentialsFlowUser><externalClientApplication>Partner</externalClientApplication>
<ipRelaxationPolicyType>Bypass_2factor</ipRelaxationPolicyType><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>
<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType><commaSeparatedProfile>Integration,Admin</commaSeparatedProfile>`,
			check: func(t *testing.T, o *Org) {
				a := o.App(TypeECA, "Partner")
				if a == nil || !a.ClientCredentials || a.RunAsUser != "sync@example.com" || a.IPPolicy() != IPBypass || !a.AdminApproved || len(a.Profiles) != 2 {
					t.Errorf("eca = %+v", a)
				}
			},
		},
		{
			name: "a profile gives its display name, enabled permissions and login IP ranges",
			dir:  "profiles", stem: "Custom%3A Integration", suf: "profile", root: "Profile",
			body: `<custom>true</custom><loginIpRanges><description>egress</description><endAddress>203.0.113.20</endAddress><startAddress>203.0.113.10</startAddress></loginIpRanges>
<userPermissions><enabled>true</enabled><name>ApiEnabled</name></userPermissions><userPermissions><enabled>false</enabled><name>ModifyAllData</name></userPermissions>`,
			check: func(t *testing.T, o *Org) {
				p := o.ProfileNamed("Custom: Integration")
				if p == nil {
					t.Fatal("profile not found by display name")
				}
				if !p.Enabled("ApiEnabled") || p.Enabled("ModifyAllData") || len(p.LoginIPRanges) != 1 || p.LoginIPRanges[0].String() != "203.0.113.10–203.0.113.20" || !p.Custom {
					t.Errorf("profile = %+v", p)
				}
			},
		},
		{
			name: "a permission set gives label and permissions",
			dir:  "permissionsets", stem: "Data_Admin", suf: "permissionset", root: "PermissionSet",
			body: `<label>Data Admin</label><userPermissions><enabled>true</enabled><name>ModifyAllData</name></userPermissions>`,
			check: func(t *testing.T, o *Org) {
				ps := o.PermissionSetNamed("data_admin")
				if ps == nil || ps.Label != "Data Admin" || !ps.Permissions["ModifyAllData"] {
					t.Errorf("permission set = %+v", ps)
				}
			},
		},
		{
			name: "a transaction security policy gives active, event and actions",
			dir:  "transactionSecurityPolicies", stem: "Block_Export", suf: "transactionSecurityPolicy", root: "TransactionSecurityPolicy",
			body: `<action><block>true</block><notifications><inApp>false</inApp><sendEmail>true</sendEmail><user>sec@example.com</user></notifications></action>
<active>true</active><eventName>ApiEvent</eventName><masterLabel>Block Export</masterLabel>`,
			check: func(t *testing.T, o *Org) {
				if len(o.Policies) != 1 {
					t.Fatalf("policies = %d", len(o.Policies))
				}
				p := o.Policies[0]
				if !p.Active || p.Event() != "ApiEvent" || !p.Block || !p.Notify || p.Label != "Block Export" || p.Name != "Block_Export" {
					t.Errorf("policy = %+v", p)
				}
			},
		},
		{
			name: "real-time event settings give each entity's enabled flag",
			dir:  "settings", stem: "RealTimeEvent", suf: "settings", root: "RealTimeEventSettings",
			body: `<realTimeEvents><entityName>ApiEvent</entityName><isEnabled>true</isEnabled></realTimeEvents><realTimeEvents><entityName>ReportEvent</entityName><isEnabled>false</isEnabled></realTimeEvents>`,
			check: func(t *testing.T, o *Org) {
				if diff := cmp.Diff(map[string]bool{"ApiEvent": true, "ReportEvent": false}, o.RealTimeEvents); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "security settings give IP enforcement on every request and trusted ranges",
			dir:  "settings", stem: "Security", suf: "settings", root: "SecuritySettings",
			body: `<networkAccess><ipRanges><end>10.0.0.255</end><start>10.0.0.0</start></ipRanges></networkAccess>
<sessionSettings><enforceIpRangesEveryRequest>true</enforceIpRangesEveryRequest><lockSessionsToIp>true</lockSessionsToIp></sessionSettings>`,
			check: func(t *testing.T, o *Org) {
				s := o.Security
				if s == nil || !s.EnforceIPRangesEveryRequest || !s.LockSessionsToIP || len(s.TrustedIPRanges) != 1 {
					t.Errorf("security = %+v", s)
				}
			},
		},
	}
	for _, tt := range tests {
		for _, format := range []struct {
			name, tail string
			ns         bool
		}{{"source format", "-meta.xml", true}, {"mdapi format", "", true}, {"source format without namespace", "-meta.xml", false}} {
			t.Run(tt.name+"/"+format.name, func(t *testing.T) {
				o := NewOrg()
				p := "force-app/main/default/" + tt.dir + "/" + tt.stem + "." + tt.suf + format.tail
				if !IsMetadataPath(p) {
					t.Fatalf("IsMetadataPath(%q) = false", p)
				}
				if err := o.AddFile(p, []byte(doc(tt.root, tt.body, format.ns))); err != nil {
					t.Fatalf("AddFile: %v", err)
				}
				tt.check(t, o)
			})
		}
	}
}

func TestIsMetadataPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"force-app/main/default/connectedApps/X.connectedApp-meta.xml", true},
		{"unpackaged/connectedApps/X.connectedApp", true},
		{"x/Partner.eca-meta.xml", true},
		{"x/Partner_glbloauth.ecaGlblOauth", true},
		{"x/Admin.profile", true},
		{"x/settings/Security.settings-meta.xml", true},
		{"x/settings/RealTimeEvent.settings", true},
		{"x/settings/Account.settings-meta.xml", false}, // other settings are not read
		{"x/classes/Foo.cls", false},
		{"x/users.json", false},
		{"x/.connectedApp", false}, // a suffix with no component name
		{"README.md", false},
	}
	for _, tt := range tests {
		if got := IsMetadataPath(tt.path); got != tt.want {
			t.Errorf("IsMetadataPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestECAFlowFlagInEitherFileAndAnyOrder(t *testing.T) {
	global := func(v string) string {
		return doc("ExtlClntAppGlobalOauthSettings", `<externalClientApplication>P</externalClientApplication><isClientCredentialsFlowEnabled>`+v+`</isClientCredentialsFlowEnabled>`, true)
	}
	policy := func(v string) string {
		return doc("ExtlClntAppOauthConfigurablePolicies", `<isClientCredentialsFlowEnabled>`+v+`</isClientCredentialsFlowEnabled>`, true)
	}
	tests := []struct {
		name           string
		global, policy string // "" = file absent
		want           bool
	}{
		{"the policies file alone enables the flow", "", "true", true},
		{"the global settings file alone enables the flow", "true", "", true},
		{"either file saying true enables it even if the other says false", "false", "true", true},
		{"both false is off", "false", "false", false},
		{"no flag anywhere is off", "", "", false},
	}
	for _, tt := range tests {
		for _, reversed := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				o := NewOrg()
				var files [][2]string
				if tt.global != "" {
					files = append(files, [2]string{"a/P_glbloauth.ecaGlblOauth-meta.xml", global(tt.global)})
				}
				if tt.policy != "" {
					// No externalClientApplication: joined by the base name P_oauthPlcy → P.
					files = append(files, [2]string{"a/P_oauthPlcy.ecaOauthPlcy-meta.xml", policy(tt.policy)})
				}
				files = append(files, [2]string{"a/P.eca-meta.xml", doc("ExternalClientApplication", "<label>P</label>", true)})
				if reversed {
					slices.Reverse(files)
				}
				for _, f := range files {
					if err := o.AddFile(f[0], []byte(f[1])); err != nil {
						t.Fatal(err)
					}
				}
				if len(o.Apps) != 1 {
					t.Fatalf("apps = %d, want the parts joined into 1", len(o.Apps))
				}
				if got := o.Apps[0].ClientCredentials; got != tt.want {
					t.Errorf("ClientCredentials = %v, want %v", got, tt.want)
				}
			})
		}
	}
}

func TestAddFileAcceptsAByteOrderMark(t *testing.T) {
	o := NewOrg()
	if err := o.AddFile("a/X.connectedApp", []byte("\xef\xbb\xbf"+doc("ConnectedApp", "<label>X</label>", true))); err != nil {
		t.Fatal(err)
	}
	if a := o.App(TypeConnectedApp, "X"); a == nil || a.Label != "X" {
		t.Errorf("app = %+v", a)
	}
}

func TestAddFileRejectsHostileOrWrongXML(t *testing.T) {
	deep := strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)
	tests := []struct {
		name, data, wantErr string
	}{
		{"a DTD with entities is refused", xmlHead + `<!DOCTYPE ConnectedApp [<!ENTITY x "y">]><ConnectedApp><label>&x;</label></ConnectedApp>`, "DTD"},
		{"an external entity is refused", xmlHead + `<!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]><ConnectedApp>&e;</ConnectedApp>`, "DTD"},
		{"deep nesting is refused", xmlHead + `<ConnectedApp>` + deep + `</ConnectedApp>`, "nested deeper"},
		{"truncated XML is a syntax error", xmlHead + `<ConnectedApp><label>x</label>`, "XML syntax error"},
		{"a wrong root element is reported", doc("Profile", "", true), "root element <Profile>, want <ConnectedApp>"},
		{"a non-boolean flag is reported", doc("ConnectedApp", "<oauthConfig><isClientCredentialEnabled>maybe</isClientCredentialEnabled></oauthConfig>", true), "not a boolean"},
		{"a non-UTF-8 encoding is refused", `<?xml version="1.0" encoding="ISO-8859-1"?><ConnectedApp/>`, "unsupported encoding"},
		{"an empty file is reported", "", "no root element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewOrg().AddFile("a/X.connectedApp-meta.xml", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestProfileNames(t *testing.T) {
	tests := []struct{ file, display string }{
		{"Admin", "System Administrator"},
		{"Standard", "Standard User"},
		{"ReadOnly", "Read Only"},
		{"MarketingProfile", "Marketing User"},
		{"ContractManager", "Contract Manager"},
		{"SolutionManager", "Solution Manager"},
		{"StandardAul", "Standard Platform User"},
		{"Minimum Access - API Only Integrations", "Minimum Access - API Only Integrations"},
		{"Salesforce API Only System Integrations", "Salesforce API Only System Integrations"},
		{"Force%2Ecom - Free User", "Force.com - Free User"},
		{"Custom%3A Sales Profile", "Custom: Sales Profile"},
		{"ETL Integration", "ETL Integration"},
	}
	for _, tt := range tests {
		if got := ProfileDisplayName(tt.file); got != tt.display {
			t.Errorf("ProfileDisplayName(%q) = %q, want %q", tt.file, got, tt.display)
		}
		if got := ProfileFileName(tt.display); got != tt.file {
			t.Errorf("ProfileFileName(%q) = %q, want %q", tt.display, got, tt.file)
		}
	}

	t.Run("System Administrator implies its powerful permissions without a file", func(t *testing.T) {
		p := NewOrg().ProfileNamed("system administrator")
		if p == nil || !p.Implied || !p.Enabled("ModifyAllData") || !p.Enabled("ViewAllData") || !p.Enabled("ManageUsers") || !p.Enabled("AuthorApex") || !p.Enabled("CustomizeApplication") {
			t.Errorf("implied admin = %+v", p)
		}
	})
	t.Run("an Admin file listing ModifyAllData as off still has it", func(t *testing.T) {
		o := NewOrg()
		if err := o.AddFile("p/Admin.profile", []byte(doc("Profile", "<userPermissions><enabled>false</enabled><name>ModifyAllData</name></userPermissions>", true))); err != nil {
			t.Fatal(err)
		}
		p := o.ProfileNamed("Admin")
		if p == nil || p.Name != SystemAdministrator || p.Implied || !p.Enabled("ModifyAllData") {
			t.Errorf("admin = %+v", p)
		}
	})
	t.Run("an unknown profile is nil, not guessed", func(t *testing.T) {
		if p := NewOrg().ProfileNamed("Standard User"); p != nil {
			t.Errorf("got %+v", p)
		}
	})
}

func TestAddUsersJSONShapes(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]User
		wantErr string
	}{
		{
			name: "sf data query --json output",
			data: `{"status":0,"result":{"records":[{"attributes":{"type":"User"},"Username":"A@Example.com","IsActive":true,"Profile":{"Name":"System Administrator"}}],"totalSize":1,"done":true}}`,
			want: map[string]User{"a@example.com": {Username: "A@Example.com", Active: true, ActiveKnown: true, Profile: "System Administrator"}},
		},
		{
			name: "a bare records array",
			data: `[{"Username":"b@example.com","IsActive":false,"Profile":{"Name":"Standard User"}}]`,
			want: map[string]User{"b@example.com": {Username: "b@example.com", ActiveKnown: true, Profile: "Standard User"}},
		},
		{
			name: "a REST query response",
			data: `{"totalSize":1,"done":true,"records":[{"Username":"c@example.com"}]}`,
			want: map[string]User{"c@example.com": {Username: "c@example.com"}},
		},
		{
			name: "nested PermissionSetAssignments skip profile-owned sets",
			data: `[{"Username":"d@example.com","IsActive":true,"PermissionSetAssignments":{"records":[{"PermissionSet":{"Name":"PS1"}},{"PermissionSet":{"Name":"X00e","IsOwnedByProfile":true}}]}}]`,
			want: map[string]User{"d@example.com": {Username: "d@example.com", Active: true, ActiveKnown: true, PermissionSets: []string{"PS1"}}},
		},
		{
			name: "assignment records create users with unknown profile",
			data: `{"status":0,"result":{"records":[{"Assignee":{"Username":"e@example.com"},"PermissionSet":{"Name":"PS2"}},{"Assignee":{"Username":"E@example.com"},"PermissionSet":{"Name":"PS2"}}]}}`,
			want: map[string]User{"e@example.com": {Username: "e@example.com", PermissionSets: []string{"PS2"}}},
		},
		{name: "sf error output is an error", data: `{"status":1,"name":"INVALID_TYPE","message":"sObject type 'User' is not supported."}`, wantErr: "status 1"},
		{name: "invalid JSON is an error", data: `{"status":0,"result":{"records":[`, wantErr: "invalid JSON"},
		{name: "JSON without records is an error", data: `{"foo":1}`, wantErr: "no \"records\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOrg()
			err := o.AddUsersJSON([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]User{}
			for k, u := range o.Users {
				got[k] = *u
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsernamesMatchCaseInsensitively(t *testing.T) {
	o := NewOrg()
	if err := o.AddUsersJSON([]byte(`[{"Username":"Integration@Acme.example","IsActive":true,"Profile":{"Name":"System Administrator"}}]`)); err != nil {
		t.Fatal(err)
	}
	if err := o.AddUsersJSON([]byte(`[{"Assignee":{"Username":"INTEGRATION@acme.EXAMPLE"},"PermissionSet":{"Name":"PS"}}]`)); err != nil {
		t.Fatal(err)
	}
	u := o.UserNamed("integration@ACME.example")
	if u == nil || u.Profile != SystemAdministrator || !slices.Equal(u.PermissionSets, []string{"PS"}) || len(o.Users) != 1 {
		t.Errorf("user = %+v (users: %d)", u, len(o.Users))
	}
}

func TestLoadOrgReportsBrokenFilesAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("force-app/main/default/connectedApps/Good.connectedApp-meta.xml", doc("ConnectedApp", "<label>Good</label>", true))
	_ = good
	bad := write("force-app/main/default/connectedApps/Bad.connectedApp-meta.xml", xmlHead+"<ConnectedApp><label>")
	badUsers := write("users.json", `{"status":0,"result":{"records":[{"Username":`)
	write("permsetassignments.json", `[{"Assignee":{"Username":"x@example.com"},"PermissionSet":{"Name":"PS"}}]`)
	write(".git/config.connectedApp", "not read: .git is skipped")
	write("unpackaged/profiles/Admin.profile", doc("Profile", "", false))

	o, errs, err := LoadOrg(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, e := range errs {
		sources = append(sources, e.Source)
		if e.Message == "" || strings.Contains(e.Message, "\n") {
			t.Errorf("error message %q is not one non-empty line", e.Message)
		}
	}
	if diff := cmp.Diff([]string{bad, badUsers}, sources); diff != "" {
		t.Errorf("error sources (-want +got):\n%s", diff)
	}
	if o.App(TypeConnectedApp, "Good") == nil || o.ProfileNamed("System Administrator").Implied || o.UserNamed("x@example.com") == nil {
		t.Errorf("loading did not go on past the broken files: apps=%d profiles=%d users=%d", len(o.Apps), len(o.Profiles), len(o.Users))
	}

	t.Run("an explicit users file replaces discovery of users.json", func(t *testing.T) {
		alt := filepath.Join(t.TempDir(), "people.json")
		if err := os.WriteFile(alt, []byte(`[{"Username":"y@example.com"}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		o, errs, err := LoadOrg(dir, alt)
		if err != nil || len(errs) != 1 || errs[0].Source != bad {
			t.Fatalf("err=%v errs=%v", err, errs)
		}
		if o.UserNamed("y@example.com") == nil {
			t.Error("explicit users file not read")
		}
	})
	t.Run("a missing directory is an error", func(t *testing.T) {
		_, _, err := LoadOrg(filepath.Join(dir, "nope"), "")
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a missing explicit users file is a report error", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.json")
		_, errs, err := LoadOrg(dir, missing)
		if err != nil || len(errs) != 2 || errs[1].Source != missing {
			t.Errorf("err=%v errs=%v", err, errs)
		}
	})
}

func TestAppByPath(t *testing.T) {
	o := NewOrg()
	for p, d := range map[string]string{
		"a/connectedApps/Billing.connectedApp-meta.xml":                      doc("ConnectedApp", "<label>Billing</label>", true),
		"a/extlClntAppOauthPolicies/Partner_oauthPlcy.ecaOauthPlcy-meta.xml": doc("ExtlClntAppOauthConfigurablePolicies", "<externalClientApplication>Partner</externalClientApplication>", true),
	} {
		if err := o.AddFile(p, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ path, want string }{
		{"other-repo/src/connectedApps/Billing.connectedApp-meta.xml", "Billing"},
		{"mdapi/connectedApps/Billing.connectedApp", "Billing"},
		{"x/Partner_oauthPlcy.ecaOauthPlcy-meta.xml", "Partner"},
		{"x/Partner_glbloauth.ecaGlblOauth-meta.xml", "Partner"}, // not loaded; resolved by name
		{"x/Unknown.connectedApp-meta.xml", ""},
		{"x/billing.py", ""},
	}
	for _, tt := range tests {
		got := ""
		if a := o.AppByPath(tt.path); a != nil {
			got = a.Name
		}
		if got != tt.want {
			t.Errorf("AppByPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestLoadOrgFixture(t *testing.T) {
	o, errs, err := LoadOrg(orgtest.Dir(t), "")
	if err != nil || len(errs) != 0 {
		t.Fatalf("err=%v errs=%v", err, errs)
	}
	type fact struct {
		Type, Label      string
		CC, Cert, Secret bool
		RunAs            string
		IP               IPPolicy
	}
	got := map[string]fact{}
	for _, a := range o.Apps {
		if o.AppByKey(orgtest.Key(a.Name)) != a {
			t.Errorf("%s: not found by its fake key", a.Name)
		}
		got[a.Name] = fact{a.Type, a.Label, a.ClientCredentials, a.Certificate, a.HasConsumerSecret, a.RunAsUser, a.IPPolicy()}
	}
	want := map[string]fact{
		orgtest.BillingSync:        {TypeConnectedApp, "Billing Sync", true, false, false, "Integration@acme.example", IPBypass},
		orgtest.MarketingConnector: {TypeConnectedApp, "Marketing Connector", true, false, false, "mc.connector@acme.example", IPBypass},
		orgtest.WarehouseExport:    {TypeConnectedApp, "Warehouse Export", true, false, false, "dwh.export@acme.example", IPEnforce},
		orgtest.LegacyReporting:    {TypeConnectedApp, "Legacy Reporting", false, true, false, "", IPEnforce},
		orgtest.PartnerSync:        {TypeECA, "Partner Sync", true, false, true, "partner.sync@acme.example", IPBypass},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apps (-want +got):\n%s", diff)
	}
	if u := o.UserNamed("integration@acme.example"); u == nil || u.Profile != SystemAdministrator || !u.Active {
		t.Errorf("integration user = %+v", u)
	}
	if u := o.UserNamed("dwh.export@acme.example"); u == nil || !slices.Equal(u.PermissionSets, []string{"Data_Export_Full"}) {
		t.Errorf("dwh user = %+v", u)
	}
	if u := o.UserNamed("partner.sync@acme.example"); u == nil || !slices.Equal(u.PermissionSets, []string{"Partner_Sync_Access"}) {
		t.Errorf("partner user = %+v", u)
	}
	if p := o.ProfileNamed("ETL Integration"); p == nil || len(p.LoginIPRanges) != 1 {
		t.Errorf("ETL profile = %+v", p)
	}
	if p := o.ProfileNamed("Read Only"); p == nil || p.FileName != "ReadOnly" {
		t.Errorf("mdapi ReadOnly profile = %+v", p)
	}
	if len(o.Policies) != 2 || !o.RealTimeEvents["ApiEvent"] || o.Security == nil || len(o.Security.TrustedIPRanges) != 1 {
		t.Errorf("org-wide facts: policies=%d events=%v security=%+v", len(o.Policies), o.RealTimeEvents, o.Security)
	}

	t.Run("the committed folder loads as is, placeholders matching nothing", func(t *testing.T) {
		o, errs, err := LoadOrg(orgtest.Source(), "")
		if err != nil || len(errs) != 0 || len(o.Apps) != 5 {
			t.Fatalf("err=%v errs=%v apps=%d", err, errs, len(o.Apps))
		}
		if o.AppByKey(orgtest.Key(orgtest.BillingSync)) != nil {
			t.Error("placeholder key matched a fake key")
		}
	})
}

func TestOrgDirectoryOutranksScannedRepositories(t *testing.T) {
	dir := orgtest.Dir(t)
	o, errs, err := LoadOrg(dir, "")
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	stale := doc("ConnectedApp", "<label>Stale</label><oauthConfig><isClientCredentialEnabled>false</isClientCredentialEnabled></oauthConfig>", true)
	if err := o.AddFile("some-repo/connectedApps/Billing_Sync.connectedApp-meta.xml", []byte(stale)); err != nil {
		t.Fatal(err)
	}
	if a := o.App(TypeConnectedApp, orgtest.BillingSync); a == nil || !a.ClientCredentials || a.Label != "Billing Sync" {
		t.Errorf("a repository's copy overrode the org directory: %+v", a)
	}
	key := fakecred.ConsumerKey("repo-only")
	fresh := doc("ConnectedApp", "<label>Repo Only</label><oauthConfig><consumerKey>"+key+"</consumerKey></oauthConfig>", true)
	if err := o.AddFile("some-repo/connectedApps/Repo_Only.connectedApp-meta.xml", []byte(fresh)); err != nil {
		t.Fatal(err)
	}
	if a := o.AppByKey(key); a == nil || a.Name != "Repo_Only" {
		t.Errorf("a component the org directory lacks was not taken from the repository: %+v", a)
	}
}

func TestAddFileConcurrently(t *testing.T) {
	o := NewOrg()
	done := make(chan error)
	for i := 0; i < 20; i++ {
		go func(i int) {
			name := "App" + string(rune('A'+i))
			done <- o.AddFile("a/"+name+".connectedApp-meta.xml", []byte(doc("ConnectedApp", "<oauthConfig><consumerKey>"+fakecred.ConsumerKey(name)+"</consumerKey></oauthConfig>", true)))
		}(i)
	}
	for i := 0; i < 20; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if len(o.Apps) != 20 {
		t.Errorf("apps = %d, want 20", len(o.Apps))
	}
}
