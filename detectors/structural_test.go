package detectors

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	sfleak "github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors/fakecred"
)

// The ecosystem fixtures live in testdata/ecosystems as templates: {{fake.X}} slots are
// filled at test time with fakecred values, so no file in the repository holds anything that
// looks like a live credential. A fixture's path (without .tmpl) is the path given to Detect.

// fakes are the values filled into the templates, by slot name.
var fakes = func() map[string]string {
	ck, cs := fakecred.ConsumerKey("eco"), fakecred.ConsumerSecret("eco")
	pw, st := fakecred.Password("eco"), fakecred.SecurityToken("eco")
	return map[string]string{
		"CK":       ck,
		"CS":       cs,
		"PW":       pw,
		"ST":       st,
		"PWST":     pw + st,
		"RT":       fakecred.RefreshToken("eco"),
		"B64":      base64.StdEncoding.EncodeToString([]byte(ck + ":" + cs)),
		"B64OTHER": base64.StdEncoding.EncodeToString([]byte("svc-reporting:" + pw)),
	}
}()

// loadFixture reads testdata/ecosystems/<name>.tmpl and fills its {{fake.X}} slots.
func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "ecosystems", filepath.FromSlash(name)+".tmpl"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	s := string(raw)
	for k, v := range fakes {
		s = strings.ReplaceAll(s, "{{fake."+k+"}}", v)
	}
	if strings.Contains(s, "{{fake.") {
		t.Fatalf("fixture %s: unfilled slot", name)
	}
	return []byte(s)
}

// lineOf returns the 1-based line holding off.
func lineOf(data []byte, off int) int {
	return strings.Count(string(data[:min(off, len(data))]), "\n") + 1
}

// anchorLine returns the line of the one line containing anchor (or, with a leading '=',
// the one line whose trimmed text equals the rest). It fails unless exactly one line does.
func anchorLine(t *testing.T, data []byte, anchor string) int {
	t.Helper()
	found := 0
	for i, l := range strings.Split(string(data), "\n") {
		ok := strings.Contains(l, anchor)
		if strings.HasPrefix(anchor, "=") {
			ok = strings.TrimSpace(l) == anchor[1:]
		}
		if ok {
			if found != 0 {
				t.Fatalf("anchor %q is on lines %d and %d", anchor, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("anchor %q not in fixture", anchor)
	}
	return found
}

// runStructural runs the structural detectors like the engine does: each one only when one of
// its keywords occurs in the blob. secretSlotDetector is left out: it re-reports, on purpose,
// secrets the sf-consumer-secret regex also finds (the engine merges equal spans), and has
// its own tests (TestSecretSlot*).
func runStructural(path string, data []byte) []Match {
	lower := strings.ToLower(string(data))
	var out []Match
	for _, d := range structuralDetectors(nil) {
		if _, ok := d.(secretSlotDetector); ok {
			continue
		}
		run := len(d.Keywords()) == 0
		for _, k := range d.Keywords() {
			if strings.Contains(lower, k) {
				run = true
			}
		}
		if run {
			out = append(out, d.Detect(path, data)...)
		}
	}
	return out
}

// want is one expected match: its rule, the line (by anchor), and the fields checked.
type want struct {
	rule   string
	line   string // anchor, see anchorLine
	secret string // fakes key of the expected Secret, a literal with a "lit:" prefix, or "" (unchecked)
	sev    string // expected Severity, "" unchecked
	env    bool   // expected FromEnv
	key    bool   // ConsumerKey must be the fake consumer key
	host   string // expected Host, "" unchecked
	user   string // expected Username, "" unchecked
	desc   string // a substring of the Description, "" unchecked
}

type ecoCase struct {
	name string // the behaviour
	file string
	want []want // exactly these (rule, line) pairs from the structural detectors; empty: none
}

const (
	cc  = RuleClientCredentials
	pwg = RulePasswordGrant
	ccE = RuleConnectedAppCC
	sec = RuleConsumerSecret
	key = RuleConsumerKey
)

var ecoCases = []ecoCase{
	// Python
	{"python requests posting a literal client secret to a My Domain token endpoint is a critical call on the grant line", "python/requests_cc.py",
		[]want{{rule: cc, line: `"grant_type": "client_credentials"`, secret: "CS", sev: "critical", key: true, host: "acme.my.salesforce.com"}}},
	{"python requests reading the secret from os.environ is a medium call from the environment", "python/requests_cc_env.py",
		[]want{{rule: cc, line: `"grant_type": "client_credentials"`, sev: "medium", env: true}}},
	{"httpx with module constants resolves the secret to its literal", "python/httpx_cc_const.py",
		[]want{{rule: cc, line: `'grant_type': 'client_credentials'`, secret: "CS", sev: "critical", key: true, host: "acme--uat.sandbox.my.salesforce.com"}}},
	{"simple_salesforce with consumer key, secret and a My Domain takes the client credentials path", "python/simple_salesforce_cc.py",
		[]want{{rule: cc, line: "sf = Salesforce(", secret: "CS", sev: "critical", key: true, host: "acme.my.salesforce.com"}}},
	{"simple_salesforce with domain=login is not the client credentials path", "python/simple_salesforce_login_domain.py", nil},
	{"simple_salesforce with a private key is the JWT bearer flow", "python/simple_salesforce_jwt.py", nil},
	{"an Entra ID client credentials call is not a Salesforce finding", "python/entra_cc.py", nil},
	{"a JWT bearer token request is neither client credentials nor password", "python/jwt_bearer.py", nil},
	{"a refresh_token grant is neither client credentials nor password", "python/refresh_grant.py", nil},
	{"a generic client credentials call with no Salesforce host or library is not reported", "python/generic_cc_no_sf.py", nil},
	{"a grant_type=password request reports the concatenated password and token on the password line", "python/requests_password.py",
		[]want{{rule: pwg, line: `"password": `, secret: "PWST", sev: "critical", user: "etl@acme.example", host: "login.salesforce.com"}}},
	{"simple_salesforce username/password/security_token reports the password line", "python/simple_salesforce_password.py",
		[]want{{rule: pwg, line: `password="`, secret: "PW", user: "etl@acme.example"}}},
	{"simple_salesforce reading the password from the environment is not a leak", "python/simple_salesforce_password_env.py", nil},
	{"a web login form with no Salesforce context is not a password grant", "python/flask_login.py", nil},
	{"a password grant to Okta is not a Salesforce finding", "python/okta_password.py", nil},
	{"an Authorization: Basic header of key:secret is a consumer secret, and the call it authenticates is critical", "python/basic_header.py",
		[]want{
			{rule: sec, line: "headers = {", secret: "CS", key: true, sev: "critical"},
			{rule: cc, line: "headers=headers", secret: "CS", key: true, sev: "critical"},
		}},
	{"requests HTTPBasicAuth(key, secret) with constants pairs the key and secret", "python/basic_tuple.py",
		[]want{
			{rule: sec, line: "auth=HTTPBasicAuth(KEY, SECRET)", secret: "CS", key: true},
			{rule: cc, line: `data={"grant_type"`, secret: "CS", key: true, sev: "critical"},
		}},
	{"a Basic header of a user that is not a consumer key is not reported", "python/basic_other_user.py", nil},

	// JavaScript / TypeScript
	{"fetch with URLSearchParams from process.env is a medium call from the environment", "js/fetch_cc_env.js",
		[]want{{rule: cc, line: "grant_type: 'client_credentials'", sev: "medium", env: true}}},
	{"axios with a typed constant secret resolves it", "js/axios_cc.ts",
		[]want{{rule: cc, line: "grant_type: 'client_credentials'", secret: "CS", sev: "critical", key: true}}},
	{"jsforce conn.authorize with oauth2 clientId/clientSecret is a critical call on the authorize line", "js/jsforce_cc.js",
		[]want{{rule: cc, line: "conn.authorize(", secret: "CS", sev: "critical", key: true, host: "acme.my.salesforce.com"}}},
	{"an Auth0 client credentials call is not a Salesforce finding", "js/auth0_cc.js", nil},
	{"jsforce conn.login with password + token literals reports the concatenation", "js/jsforce_login.js",
		[]want{{rule: pwg, line: "conn.login(", secret: "PWST", user: "etl@acme.example"}}},
	{"jsforce conn.login from process.env is not a leak", "js/jsforce_login_env.js", nil},
	{"axios auth {username: key, password: secret} is Basic client auth", "js/axios_basic_auth.js",
		[]want{
			{rule: sec, line: "auth: { username:", secret: "CS", key: true},
			{rule: cc, line: "'grant_type=client_credentials'", secret: "CS", key: true, sev: "critical"},
		}},

	// Java
	{"java HttpClient with a concatenated form body resolves the URL-encoded constants", "java/TokenClient.java",
		[]want{{rule: cc, line: `String form = "grant_type=client_credentials"`, secret: "CS", sev: "critical", key: true}}},
	{"spring application.yml with a ${} secret is a medium call on the grant-type line", "java/spring/application.yml",
		[]want{{rule: cc, line: "authorization-grant-type: client_credentials", sev: "medium", env: true, key: true}}},
	{"spring application.properties with a literal secret is critical", "java/spring/application.properties",
		[]want{{rule: cc, line: "authorization-grant-type=client_credentials", secret: "CS", sev: "critical", key: true}}},
	{"a spring registration for Okta is not a Salesforce finding", "java/spring-okta/application.properties", nil},
	{"camel auth-type=CLIENT_CREDENTIALS is a call on the auth-type line", "java/camel/application.properties",
		[]want{{rule: cc, line: "auth-type=CLIENT_CREDENTIALS", secret: "CS", sev: "critical", key: true}}},
	{"camel salesforce.password is a hard-coded password login", "java/camel-password/application.properties",
		[]want{{rule: pwg, line: "salesforce.password=", secret: "PWST", user: "etl@acme.example"}}},
	{"camel properties with ${} references are not leaks", "java/camel-env/application.properties", nil},
	{"force-wsc ConnectorConfig.setPassword with a Salesforce auth endpoint is a password login", "java/WscLogin.java",
		[]want{{rule: pwg, line: "config.setPassword(", secret: "PWST", user: "etl@acme.example"}}},

	// C#
	{"C# FormUrlEncodedContent dictionary is a critical call", "csharp/SalesforceToken.cs",
		[]want{{rule: cc, line: `{ "grant_type", "client_credentials" }`, secret: "CS", sev: "critical", key: true}}},
	{"C# index-initialised password grant reports the password line", "csharp/SalesforcePassword.cs",
		[]want{{rule: pwg, line: `["password"] =`, secret: "PWST", user: "etl@acme.example"}}},
	{"a C# Entra ID token request is not a Salesforce finding", "csharp/EntraToken.cs", nil},

	// Go
	{"go url.Values with os.Getenv is a medium call from the environment", "go/urlvalues_cc.go",
		[]want{{rule: cc, line: `form.Set("grant_type"`, sev: "medium", env: true, key: true}}},
	{"go clientcredentials.Config with a Salesforce TokenURL implies the grant", "go/clientcredentials_cc.go",
		[]want{{rule: cc, line: "clientcredentials.Config{", secret: "CS", sev: "critical", key: true, host: "acme.my.salesforce.com"}}},
	{"go clientcredentials.Config for Google is not a Salesforce finding", "go/clientcredentials_google.go", nil},

	// Apex
	{"apex setBody with concatenated constants is a critical call", "apex/TokenService.cls",
		[]want{{rule: cc, line: "req.setBody('grant_type=client_credentials", secret: "CS", sev: "critical", key: true}}},
	{"apex password grant body reports the password line", "apex/PasswordLogin.cls",
		[]want{{rule: pwg, line: "req.setBody(", secret: "PWST", user: "etl@acme.example"}}},
	{"apex through a Named Credential is a medium call from a secret store", "apex/NamedCredential.cls",
		[]want{{rule: cc, line: "req.setBody(", sev: "medium", env: true}}},

	// Shell / curl / docs
	{"curl -d flags with a literal secret are a critical call on the grant line", "shell/token.sh",
		[]want{{rule: cc, line: "-d grant_type=client_credentials", secret: "CS", sev: "critical", key: true}}},
	{"curl password grant reports the password line", "shell/password.sh",
		[]want{{rule: pwg, line: `-d "password=`, secret: "PWST", user: "etl@acme.example.uat", host: "test.salesforce.com"}}},
	{"curl -u key:secret is a consumer secret and authenticates the call", "shell/basic_u.sh",
		[]want{
			{rule: sec, line: "curl -u", secret: "CS", key: true},
			{rule: cc, line: "-d grant_type=client_credentials", secret: "CS", sev: "critical", key: true},
		}},
	{"curl -u key:$SECRET is a medium call from the environment", "shell/basic_u_env.sh",
		[]want{{rule: cc, line: "-d grant_type=client_credentials", sev: "medium", env: true, key: true}}},
	{"a curl call to Okta is not a Salesforce finding", "shell/okta.sh", nil},
	{"an SFDX auth URL is left to its own rule", "shell/sfdx_url.sh", nil},
	{"a README with YOUR_… placeholders is documentation, not a call", "docs/README.md", nil},

	// PowerShell
	{"powershell hashtable with $env: is a medium call from the environment", "powershell/Get-SfToken.ps1",
		[]want{{rule: cc, line: "grant_type    = 'client_credentials'", sev: "medium", env: true, key: true}}},
	{"powershell hashtable with a $variable resolves it", "powershell/Get-SfTokenLiteral.ps1",
		[]want{{rule: cc, line: "grant_type = 'client_credentials'", secret: "CS", sev: "critical", key: true}}},
	{"powershell password grant reports the password line", "powershell/Login-Sf.ps1",
		[]want{{rule: pwg, line: "password      =", secret: "PWST", user: "etl@acme.example"}}},

	// MuleSoft
	{"mule oauth-client-credentials connection is reported on the connection line, with the inner element's secret", "mule/src/main/mule/salesforce-cc.xml",
		[]want{{rule: cc, line: "<salesforce:oauth-client-credentials-connection", secret: "CS", sev: "critical", key: true, host: "acme.my.salesforce.com"}}},
	{"mule connection with ${secure::} attributes is a medium call", "mule/src/main/mule/salesforce-cc-secure.xml",
		[]want{{rule: cc, line: "<salesforce:oauth-client-credentials-connection", sev: "medium", env: true}}},
	{"mule basic-connection reports the password attribute's line", "mule/src/main/mule/salesforce-basic.xml",
		[]want{{rule: pwg, line: `password="`, secret: "PW", user: "etl@acme.example"}}},
	{"mule oauth-user-pass-connection reports the password", "mule/src/main/mule/salesforce-userpass.xml",
		[]want{{rule: pwg, line: `username="etl@acme.example" password=`, secret: "PW", user: "etl@acme.example"}}},
	{"mule basic-connection with ${secure::} values is not a leak", "mule/src/main/mule/salesforce-basic-secure.xml", nil},
	{"a mule HTTP client-credentials grant to Entra ID is not a Salesforce finding", "mule/src/main/mule/http-cc.xml", nil},

	// Boomi
	{"boomi OAuth2Config grantType=client_credentials with clear credentials is critical", "boomi/Component/salesforce-connection.xml",
		[]want{{rule: cc, line: `<OAuth2Config grantType="client_credentials">`, secret: "CS", sev: "critical", key: true}}},
	{"boomi field-style grant with an encrypted secret is a medium call", "boomi/Component/salesforce-fields.xml",
		[]want{{rule: cc, line: `<field id="grantType"`, sev: "medium", env: true, key: true}}},

	// Postman
	{"postman urlencoded body with {{variables}} is medium; oauth2 auth with a literal secret is critical", "postman/Salesforce.postman_collection.json",
		[]want{
			{rule: cc, line: `="value": "client_credentials",`, sev: "medium", env: true},
			{rule: cc, line: `{"key": "grant_type", "value": "client_credentials"`, secret: "CS", sev: "critical", key: true},
		}},
	{"a postman environment with password and secret_token is a password login", "postman/Salesforce.postman_environment.json",
		[]want{{rule: pwg, line: `{"key": "password"`, secret: "PW", user: "etl@acme.example"}}},
	{"a postman collection for Okta is not a Salesforce finding", "postman/Okta.postman_collection.json", nil},

	// Laravel, Terraform, CI, logs, Keycloak
	{"laravel forrest SF_AUTH_METHOD=ClientCredentials is a call on that line", "laravel/.env",
		[]want{{rule: cc, line: "SF_AUTH_METHOD=ClientCredentials", secret: "CS", sev: "critical", key: true}}},
	{"laravel forrest with the web server flow is not a client credentials call", "laravel-env/.env", nil},
	{"terraform request_body with var.* is a medium call", "terraform/token.tf",
		[]want{{rule: cc, line: "request_body", sev: "medium", env: true}}},
	{"a CI workflow curl with ${{ secrets }} is a medium call", ".github/workflows/sync.yml",
		[]want{{rule: cc, line: "-d grant_type=client_credentials", sev: "medium", env: true}}},
	{"a logged token request with a literal secret is critical", "logs/integration.log",
		[]want{{rule: cc, line: "body=grant_type=client_credentials", secret: "CS", sev: "critical", key: true}}},
	{"a keycloak client credentials config is not a Salesforce finding", "keycloak/application.yml", nil},

	// Metadata
	{"a ConnectedApp with the flow enabled, key and secret reports all three on their lines", "force-app/main/default/connectedApps/Acme_ETL.connectedApp-meta.xml",
		[]want{
			{rule: ccE, line: "<isClientCredentialEnabled>true", secret: "CK", sev: "high", key: true, desc: "etl.integration@acme.example"},
			{rule: sec, line: "<consumerSecret>", secret: "CS", sev: "critical", key: true},
			{rule: key, line: "<consumerKey>", secret: "CK", key: true},
		}},
	{"an mdapi ConnectedApp with a namespace prefix and the value on its own line names the app", "src/connectedApps/Billing.connectedApp",
		[]want{{rule: ccE, line: "=true", secret: "lit:Billing", sev: "high"}}},
	{"a ConnectedApp with the flow disabled reports only its key", "force-app/main/default/connectedApps/Portal.connectedApp-meta.xml",
		[]want{{rule: key, line: "<consumerKey>", secret: "CK"}}},
	{"a committed ExtlClntAppGlobalOauthSettings leaks its secret and enables the flow", "force-app/main/default/extlClntAppGlobalOauthSets/Acme_ETL_glbloauth.ecaGlblOauth-meta.xml",
		[]want{
			{rule: ccE, line: "<isClientCredentialsFlowEnabled>true", secret: "CK", key: true},
			{rule: sec, line: "<consumerSecret>", secret: "CS", key: true},
			{rule: key, line: "<consumerKey>", secret: "CK"},
		}},
	{"an ECA policy enabling the flow names the app and the run-as user", "force-app/main/default/extlClntAppOauthPolicies/Acme_ETL_plcy.ecaOauthPlcy-meta.xml",
		[]want{{rule: ccE, line: "<isClientCredentialsFlowEnabled>true", secret: "lit:Acme_ETL", user: "etl.integration@acme.example", desc: "run-as user"}}},
	{"entity declarations and truncated XML do not crash; what was read is kept", "force-app/main/default/connectedApps/Entity.connectedApp-meta.xml",
		[]want{{rule: ccE, line: "<isClientCredentialEnabled>true", secret: "lit:Entity"}}},
	{"placeholder key and secret in metadata are not reported", "force-app/main/default/connectedApps/Placeholder.connectedApp-meta.xml", nil},
}

func TestStructuralEcosystems(t *testing.T) {
	for _, tc := range ecoCases {
		t.Run(tc.name, func(t *testing.T) {
			data := loadFixture(t, tc.file)
			got := runStructural(tc.file, data)
			checkMatches(t, data, got, tc.want, true)
		})
	}
}

// checkMatches compares matches with the wanted ones by (rule, line). exact also fails on
// matches nobody asked for.
func checkMatches(t *testing.T, data []byte, got []Match, wants []want, exact bool) {
	t.Helper()
	type rl struct {
		rule string
		line int
	}
	byKey := map[rl]Match{}
	for _, m := range got {
		if m.Start < 0 || m.End > len(data) || m.Start > m.End {
			t.Errorf("%s: bad offsets %d..%d (len %d)", m.RuleID, m.Start, m.End, len(data))
			continue
		}
		k := rl{m.RuleID, lineOf(data, m.Start)}
		if _, dup := byKey[k]; dup && exact {
			t.Errorf("%s reported twice on line %d", k.rule, k.line)
		}
		byKey[k] = m
	}
	wanted := map[rl]bool{}
	for _, w := range wants {
		k := rl{w.rule, anchorLine(t, data, w.line)}
		wanted[k] = true
		m, ok := byKey[k]
		if !ok {
			var have []string
			for h := range byKey {
				have = append(have, h.rule+":"+itoa(h.line))
			}
			sort.Strings(have)
			t.Errorf("missing %s on line %d (%q); have %v", w.rule, k.line, w.line, have)
			continue
		}
		if w.secret != "" {
			exp := fakes[w.secret]
			if strings.HasPrefix(w.secret, "lit:") {
				exp = w.secret[4:]
			}
			if m.Secret != exp {
				t.Errorf("%s line %d: secret %s, want %s", w.rule, k.line, redactForTest(m.Secret), redactForTest(exp))
			}
		}
		if w.sev != "" && m.Severity != w.sev {
			t.Errorf("%s line %d: severity %q, want %q", w.rule, k.line, m.Severity, w.sev)
		}
		if m.FromEnv != w.env {
			t.Errorf("%s line %d: FromEnv %v, want %v", w.rule, k.line, m.FromEnv, w.env)
		}
		if w.key && m.ConsumerKey != fakes["CK"] {
			t.Errorf("%s line %d: consumer key %s, want the fixture's", w.rule, k.line, redactForTest(m.ConsumerKey))
		}
		if w.host != "" && m.Host != w.host {
			t.Errorf("%s line %d: host %q, want %q", w.rule, k.line, m.Host, w.host)
		}
		if w.user != "" && m.Username != w.user {
			t.Errorf("%s line %d: username %q, want %q", w.rule, k.line, m.Username, w.user)
		}
		if w.desc != "" && !strings.Contains(m.Description, w.desc) {
			t.Errorf("%s line %d: description %q lacks %q", w.rule, k.line, m.Description, w.desc)
		}
		for _, f := range []string{"CS", "PW", "ST"} {
			if strings.Contains(m.Description, fakes[f]) {
				t.Errorf("%s line %d: description quotes a secret", w.rule, k.line)
			}
		}
	}
	if exact {
		for k := range byKey {
			if !wanted[k] {
				t.Errorf("unexpected %s on line %d: %q", k.rule, k.line, byKey[k].Description)
			}
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// redactForTest keeps test failure output free of whole fake secrets.
func redactForTest(s string) string {
	if len(s) <= 6 {
		return s
	}
	return s[:6] + "…(" + itoa(len(s)) + ")"
}

// stTestEngine builds the engine from the built-in rules, as the CLI does.
func stTestEngine(t testing.TB) *Engine {
	t.Helper()
	cfg, err := LoadConfig(ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// The same fixtures through the full engine: the keyword prefilter must let the structural
// detectors run, and regex rules reporting the same spans must not lose the structural
// findings. Regex rules may add their own matches, so only the wanted ones are checked, and
// negatives must hold none of the structural-only rules.
func TestStructuralEcosystemsThroughEngine(t *testing.T) {
	e := stTestEngine(t)
	for _, tc := range ecoCases {
		t.Run(tc.name, func(t *testing.T) {
			data := loadFixture(t, tc.file)
			got := e.Scan(tc.file, data)
			checkMatches(t, data, got, tc.want, false)
			wanted := map[string]bool{}
			for _, w := range tc.want {
				wanted[w.rule] = true
			}
			for _, m := range got {
				switch m.RuleID {
				case cc, pwg, ccE:
					if !wanted[m.RuleID] {
						t.Errorf("unexpected %s on line %d", m.RuleID, lineOf(data, m.Start))
					}
				}
			}
		})
	}
}

// Near-misses of the value parser that do not need a whole fixture.
func TestStructuralNearMisses(t *testing.T) {
	cs, ck := fakes["CS"], fakes["CK"]
	cases := []struct {
		name, path, src string
		rule            string // the rule that must (or must not) fire
		fire            bool
	}{
		{"a grant named only in a comment list of supported grants is not a call", "notes.txt",
			"Salesforce supports grant types: authorization_code, client_credentials, password\n", cc, false},
		{"a function named get_client_credentials is not a grant", "sf.py",
			"import simple_salesforce\ndef get_client_credentials():\n    return None\n", cc, false},
		{"client_credentials in a JSON-escaped notebook cell is found", "nb.py",
			`"    \"grant_type\": \"client_credentials\", \"client_secret\": \"` + cs + `\",\n" # https://acme.my.salesforce.com/services/oauth2/token` + "\n", cc, true},
		{"an env-var name alone (SF_CLIENT_SECRET) is not a literal secret", "x.sh",
			"curl https://acme.my.salesforce.com/services/oauth2/token -d grant_type=client_credentials -d client_secret=$SF_CLIENT_SECRET\n", cc, true},
		{"a 3MVG key followed by a colon in YAML is not a Basic pair", "x.yml",
			ck + ": true\n", sec, false},
		{"a password in a Salesforce-named setting is a password login", ".env",
			"SALESFORCE_USERNAME=etl@acme.example\nSALESFORCE_PASSWORD=" + fakes["PW"] + "\n", pwg, true},
		{"a password placeholder in a Salesforce-named setting is not", ".env",
			"SALESFORCE_PASSWORD=changeme\n", pwg, false},
		{"a keystore password next to a Salesforce JWT connection is not a login password", "mule.xml",
			`<salesforce:oauth-jwt-connection consumerKey="x" keyStore="k.jks" storePassword="` + fakes["PW"] + `" principal="etl@acme.example"/>` + "\n", pwg, false},
		{"a Rust form tuple resolves a typed const secret", "auth.rs",
			"const CLIENT_SECRET: &'static str = \"" + cs + "\";\nlet p = [(\"grant_type\", \"client_credentials\"), (\"client_secret\", CLIENT_SECRET)]; // https://acme.my.salesforce.com/services/oauth2/token\n", cc, true},
		// OAuth client classes that imply the client credentials grant.
		{"requests-oauthlib BackendApplicationClient with a Salesforce token URL is a call", "sf.py",
			"from oauthlib.oauth2 import BackendApplicationClient\nclient = BackendApplicationClient(client_id='" + ck + "')\ntoken = OAuth2Session(client=client).fetch_token(token_url='https://acme.my.salesforce.com/services/oauth2/token', client_id='" + ck + "', client_secret='" + cs + "')\n", cc, true},
		{"BackendApplicationClient against Okta is not Salesforce's", "okta.py",
			"# pushes to salesforce later\nclient = BackendApplicationClient(client_id='x')\ntoken = OAuth2Session(client=client).fetch_token(token_url='https://acme.okta.com/oauth2/default/v1/token', client_secret='" + cs + "')\n", cc, false},
		{".NET IdentityModel RequestClientCredentialsTokenAsync to Salesforce is a call", "Token.cs",
			"var r = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest\n{\n    Address = \"https://acme.my.salesforce.com/services/oauth2/token\",\n    ClientId = \"" + ck + "\",\n    ClientSecret = \"" + cs + "\",\n});\n", cc, true},
		{"simple-oauth2 new ClientCredentials with a Salesforce token host is a call", "sf.js",
			"const client = new ClientCredentials({ client: { id: '" + ck + "', secret: '" + cs + "' }, auth: { tokenHost: 'https://acme.my.salesforce.com', tokenPath: '/services/oauth2/token' } });\n", cc, true},
		{"an import of ClientCredentials alone is not a call", "sf.js",
			"const { ClientCredentials } = require('simple-oauth2'); // https://acme.my.salesforce.com/services/oauth2/token\n", cc, false},
		{"httpx_auth OAuth2ClientCredentials to Salesforce is a call", "sf.py",
			"auth = httpx_auth.OAuth2ClientCredentials('https://acme.my.salesforce.com/services/oauth2/token', client_id='" + ck + "', client_secret='" + cs + "')\n", cc, true},
		// Format strings are filled at run time: their specifiers are not placeholders.
		{"a %-formatted form body resolves its arguments", "sf.py",
			"KEY = '" + ck + "'\nSEC = '" + cs + "'\nbody = 'grant_type=client_credentials&client_id=%s&client_secret=%s' % (KEY, SEC)\nrequests.post('https://acme.my.salesforce.com/services/oauth2/token', data=body)\n", cc, true},
		{"a .format() form body resolves its arguments", "sf.py",
			"SEC = '" + cs + "'\nbody = 'grant_type=client_credentials&client_secret={}'.format(SEC)\nrequests.post('https://acme.my.salesforce.com/services/oauth2/token', data=body)\n", cc, true},
		{"String.format arguments are resolved", "Sf.java",
			"static final String SEC = \"" + cs + "\";\nString body = String.format(\"grant_type=client_credentials&client_secret=%s\", SEC); // https://acme.my.salesforce.com/services/oauth2/token\n", cc, true},
		{"a percent-encoded token request in a log is a call", "http.log",
			"DEBUG body=grant_type%3Dclient_credentials%26client_id%3D" + ck + "%26client_secret%3D" + cs + " url=https://acme.my.salesforce.com/services/oauth2/token\n", cc, true},
		{"a percent-encoded password grant is not a client credentials call", "http.log",
			"DEBUG body=grant_type%3Dpassword%26client_secret%3D" + cs + " url=https://acme.my.salesforce.com/services/oauth2/token\n", cc, false},
		// Documentation: placeholders in angle brackets, and prose naming the grant.
		{"curl with unquoted <consumer_secret> placeholders in a doc is not a call", "docs/setup.md",
			"curl -X POST https://MyDomainName.my.salesforce.com/services/oauth2/token \\\n  -d grant_type=client_credentials \\\n  -d client_id=<consumer_key> \\\n  -d client_secret=<consumer_secret>\n", cc, false},
		{"the same curl in a shell script with <placeholders> is not a call either", "token.sh",
			"curl https://acme.my.salesforce.com/services/oauth2/token -d grant_type=client_credentials -d client_secret=<your secret>\n", cc, false},
		{"a TypeScript <string> cast is not a placeholder: the call still resolves its secret", "sf.ts",
			"const s = '" + cs + "';\nfetch('https://acme.my.salesforce.com/services/oauth2/token', {body: new URLSearchParams({grant_type: 'client_credentials', client_secret: <string>s})});\n", cc, true},
		{"a changelog naming the grant next to the token path is prose, not a call", "CHANGELOG.md",
			"- The sync now uses the client credentials flow (`grant_type=client_credentials`\n  against `/services/oauth2/token`) instead of the password flow.\n", cc, false},
		{"a README code sample reading the secret from the environment explains the flow, no finding", "README.md",
			"```python\nrequests.post('https://acme.my.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials', 'client_secret': os.environ['SF_CLIENT_SECRET']})\n```\n", cc, false},
		{"the same code in a .py file is a call from the environment", "sync.py",
			"requests.post('https://acme.my.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials', 'client_secret': os.environ['SF_CLIENT_SECRET']})\n", cc, true},
		{"a README curl with a literal secret is still a call", "README.md",
			"curl https://acme.my.salesforce.com/services/oauth2/token -d grant_type=client_credentials -d client_secret=" + cs + "\n", cc, true},
		{"a log of a token request with no credential slot is still a call (not prose)", "sync.log",
			"POST https://acme.my.salesforce.com/services/oauth2/token body=grant_type=client_credentials\n", cc, true},
		// Other identity providers named only by their token URL.
		{"a client credentials call to an unlisted provider's token URL is not Salesforce's, even in a file about Salesforce", "hubspot.py",
			"\"\"\"Copies HubSpot deals to Salesforce.\"\"\"\nrequests.post(\"https://api.hubapi.com/oauth/v1/token\", data={\"grant_type\": \"client_credentials\", \"client_secret\": \"3e8f9a1b-2c4d-4e6f-8a0b-1c2d3e4f5a6b\"})\n", cc, false},
		{"a gateway URL in front of Salesforce's token path is still Salesforce", "gw.py",
			"requests.post(\"https://api-gw.acme.example/sf/services/oauth2/token\", data={\"grant_type\": \"client_credentials\", \"client_secret\": \"" + cs + "\"})\n", cc, true},
		// Boomi Salesforce connector login password; a field's type is not its name.
		{"a Boomi Salesforce connector password field is a login password", "boomi/Component/sf.xml",
			`<bns:Component xmlns:bns="http://api.platform.boomi.com/" type="connector-settings" subType="salesforce"><bns:object><GenericConnectionConfig>` + "\n" +
				`<field id="url" type="string" value="https://login.salesforce.com/services/Soap/u/60.0"/>` + "\n" +
				`<field id="password" type="password" value="` + fakes["PWST"] + `"/>` + "\n", pwg, true},
		{"type=\"password\" on a client secret field is not a password", "boomi/Component/sf-oauth.xml",
			`<bns:Component xmlns:bns="http://api.platform.boomi.com/" type="connector-settings" subType="salesforce">` + "\n" +
				`<field id="url" type="string" value="https://acme.my.salesforce.com/services/Soap/u/60.0"/>` + "\n" +
				`<field id="clientSecret" type="password" value="` + cs + `"/>` + "\n", pwg, false},
		{"an encrypted Boomi password field is not a leak", "boomi/Component/sf-enc.xml",
			`<bns:Component xmlns:bns="http://api.platform.boomi.com/" type="connector-settings" subType="salesforce">` + "\n" +
				`<field id="url" type="string" value="https://login.salesforce.com/services/Soap/u/60.0"/>` + "\n" +
				`<field id="password" type="password" encrypted="true" value="` + fakes["PWST"] + `"/>` + "\n", pwg, false},
		{"a password next to a non-Salesforce SOAP service is not a Salesforce login", "soap.xml",
			`<field id="url" value="https://erp.acme.example/soap"/><field id="password" value="` + fakes["PW"] + `"/>` + "\n", pwg, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fired := false
			for _, m := range runStructural(tc.path, []byte(tc.src)) {
				if m.RuleID == tc.rule {
					fired = true
				}
			}
			if fired != tc.fire {
				t.Errorf("%s fired=%v, want %v", tc.rule, fired, tc.fire)
			}
		})
	}
}

// FuzzStructural: no detector may panic or return offsets outside the input, whatever the
// bytes.
func FuzzStructural(f *testing.F) {
	for _, tc := range ecoCases[:12] {
		f.Add(tc.file, loadFixture(f, tc.file))
	}
	f.Add("a.connectedApp-meta.xml", []byte("<ConnectedApp><oauthConfig><isClientCredentialEnabled>true</isClientCredentialEnabled><consumerSecret>&x;</consumerSecret>"))
	f.Add("x.py", []byte(`Salesforce(consumer_key='3MVG`))
	f.Add("x.sh", []byte("Basic \"grant_type=client_credentials&client_secret=\" + "))
	f.Add("x.js", []byte("jsforce conn.login('a', 'b' + "))
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		for _, d := range structuralDetectors(nil) {
			for _, m := range d.Detect(path, data) {
				if m.Start < 0 || m.End > len(data) || m.Start > m.End {
					t.Fatalf("%s: offsets %d..%d of %d", d.Name(), m.Start, m.End, len(data))
				}
			}
		}
	})
}

// A minified one-line blob dense with keys, grants and variables must stay linear: line
// searches are capped and variable look-ups budgeted.
func TestStructuralPathologicalBlobStaysLinear(t *testing.T) {
	unit := `"https://acme.my.salesforce.com/services/oauth2/token";s={grant_type:"client_credentials",client_secret:sec1,password:pw2,username:u3,auth:{username:k,password:p}};`
	data := []byte("const jsforce=require('jsforce');" + strings.Repeat(unit, (1<<20)/len(unit)))
	start := time.Now()
	ms := runStructural("bundle.min.js", data)
	// A hang guard, not a speed assertion (speed is measured in the benchmarks): a quadratic
	// scan of this blob takes many minutes, a linear one well under a second.
	if d := time.Since(start); d > time.Minute {
		t.Errorf("1 MiB single-line blob took %v (%d matches): not linear", d, len(ms))
	}
}

// secretSlotDetector: consumer secrets whose name and value the sf-consumer-secret pattern
// cannot connect. Each case runs the detector alone and through the engine (where regex and
// slot matches of one span merge into one).
func TestSecretSlot(t *testing.T) {
	cs, ck, legacy := fakes["CS"], fakes["CK"], fakecred.LegacyConsumerSecret("slot")
	lower := strings.ToLower(cs)
	e := stTestEngine(t)
	cases := []struct {
		name, path, src string
		line            int // the secret's line; 0: no sf-consumer-secret at all
	}{
		{"a Terraform variable default named for the secret", "infra/variables.tf",
			"variable \"sf_client_secret\" {\n  description = \"Salesforce ETL app\"\n  sensitive   = true\n  default     = \"" + cs + "\"\n}\n", 4},
		{"a Terraform variable default named for a Salesforce secret", "infra/variables.tf",
			"variable \"salesforce_secret\" {\n  default = \"" + legacy + "\"\n}\n", 2},
		{"a Terraform variable of another name is not a secret", "infra/variables.tf",
			"# salesforce\nvariable \"artifact_sha\" {\n  default = \"" + cs + "\"\n}\n", 0},
		{"a Terraform secret variable without a default is not a leak", "infra/variables.tf",
			"# salesforce\nvariable \"sf_client_secret\" {\n  type = string\n}\nvariable \"x\" {\n  default = \"" + cs + "\"\n}\n", 0},
		{"a Kotlin typed default", "SalesforceConfig.kt",
			"data class SalesforceConfig(\n    val instanceUrl: String = \"https://acme.my.salesforce.com\",\n    val clientSecret: String = \"" + cs + "\",\n)\n", 3},
		{"a pydantic typed setting", "settings.py",
			"class SalesforceSettings(BaseSettings):\n    sf_instance_url: str = \"https://acme.my.salesforce.com\"\n    sf_client_secret: str = \"" + cs + "\"\n", 3},
		{"a TypeScript typed const", "sf.ts",
			"export const SF_LOGIN_URL = 'https://acme.my.salesforce.com';\nexport const consumerSecret: string = '" + cs + "';\n", 2},
		{"a Rust const with a reference type and a lifetime", "auth.rs",
			"const TOKEN_URL: &str = \"https://acme.my.salesforce.com/services/oauth2/token\";\nconst CLIENT_SECRET: &'static str = \"" + cs + "\";\n", 2},
		{"a Go var with a type before the value", "sf.go",
			"package sf\n\n// salesforce\nvar clientSecret string = \"" + cs + "\"\n", 4},
		{"gh secret set NAME --body value", "bootstrap.sh",
			"# salesforce ETL app\ngh secret set SF_CLIENT_SECRET --repo globex/sf-sync --body \"" + cs + "\"\n", 2},
		{"aws ssm put-parameter with the secret's path and --value", "bootstrap.sh",
			"# salesforce\naws ssm put-parameter --name /sf/client_secret --type SecureString --value " + cs + "\n", 2},
		{"a --value flag for another parameter name is not a secret", "bootstrap.sh",
			"# salesforce\naws ssm put-parameter --name /sf/artifact_id --type String --value " + cs + "\n", 0},
		{"gh secret set from a file or stdin is not a leak", "bootstrap.sh",
			"# salesforce\ngh secret set SF_CLIENT_SECRET --body \"$SF_CLIENT_SECRET\"\n", 0},
		{"a secret named for another provider is not Salesforce's, even in a Salesforce .env", "sf/.env.ci",
			"SF_INSTANCE_URL=https://acme.my.salesforce.com\nGOOGLE_CLIENT_SECRET=\"" + cs + "\"\n", 0},
		{"a camel-case name for another provider", "Settings.cs",
			"// salesforce\nclass S { public string AzureClientSecret { get; set; } = \"" + cs + "\"; }\n", 0},
		{"a sandbox-named Salesforce secret is still Salesforce's (sap/ping only as whole words)", "sf.py",
			"# salesforce\nclass S:\n    sandbox_client_secret: str = \"" + cs + "\"\n    pingdom_url = 'x'\n", 3},
		{"a generic constant passed under a secret name", "sf.py",
			"KEY = \"" + ck + "\"\nSECRET = \"" + cs + "\"\nrequests.post(\"https://acme.my.salesforce.com/services/oauth2/token\", data={\"client_id\": KEY, \"client_secret\": SECRET})\n", 2},
		{"a Boomi field whose value follows its type", "boomi/Component/sf.xml",
			`<bns:Component subType="salesforce">` + "\n" + `<field id="clientSecret" type="password" value="` + cs + `"/>` + "\n", 2},
		{"a checksum word on the line drops it", "sf.py",
			"# salesforce\nSECRET = \"" + cs + "\"  # sha256 of the bundle\nrequests.post(u, data={\"client_secret\": SECRET})\n", 0},
		{"lower-case hex is a hash, not a consumer secret", "settings.py",
			"class SalesforceSettings(BaseSettings):\n    sf_client_secret: str = \"" + lower + "\"\n", 0},
		{"another identity provider's secret is not Salesforce's", "okta.py",
			"# sync Okta to Salesforce\nOKTA_URL = \"https://acme.okta.com/oauth2/default/v1/token\"\nSECRET = \"" + cs + "\"\nrequests.post(OKTA_URL, data={\"client_secret\": SECRET})\n", 0},
		{"no Salesforce context, no finding", "config.py",
			"class Settings:\n    client_secret: str = \"" + cs + "\"\n", 0},
		{"a typed declaration from the environment is not a leak", "settings.py",
			"class SalesforceSettings(BaseSettings):\n    sf_client_secret: str = os.environ[\"SF_CLIENT_SECRET\"]\n", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.src)
			for _, via := range []string{"detector", "engine"} {
				var ms []Match
				if via == "detector" {
					ms = secretSlotDetector{exclude: defaultSecretExclude}.Detect(tc.path, data)
				} else {
					ms = e.Scan(tc.path, data)
				}
				var lines []int
				for _, m := range ms {
					if m.RuleID == RuleConsumerSecret {
						lines = append(lines, lineOf(data, m.Start))
						if m.Secret != cs && m.Secret != legacy {
							t.Errorf("%s: secret %s", via, redactForTest(m.Secret))
						}
					}
				}
				switch {
				case tc.line == 0 && len(lines) > 0:
					t.Errorf("%s: unexpected sf-consumer-secret on lines %v", via, lines)
				case tc.line > 0 && (len(lines) != 1 || lines[0] != tc.line):
					t.Errorf("%s: sf-consumer-secret on lines %v, want exactly line %d", via, lines, tc.line)
				}
			}
		})
	}
}
