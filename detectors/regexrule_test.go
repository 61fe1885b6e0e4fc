package detectors

import (
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// ruleCase is one behaviour of one rule: src at path must (want != "") or must not
// (want == "") produce a match of rule whose secret is want.
type ruleCase struct {
	name string
	rule string
	path string
	src  string
	want string
}

// ruleCases is the table every regex rule must appear in with positives and near-misses
// (TestEveryRuleHasCases). Secrets come from fakecred, so no literal here looks live.
func ruleCases() []ruleCase {
	key, sec, legacy := fakecred.ConsumerKey("t"), fakecred.ConsumerSecret("t"), fakecred.LegacyConsumerSecret("t")
	tok, ref := fakecred.AccessToken("t"), fakecred.RefreshToken("t")
	pem := fakecred.PrivateKeyPEM("t")
	host := "https://acme.my.salesforce.com"
	lowerHex := strings.ToLower(sec)
	sfdx := fakecred.SFDXAuthURL("t", "", "", "acme--uat.sandbox.my.salesforce.com")
	sfdxFull := fakecred.SFDXAuthURL("t2", key, sec, "acme.my.salesforce.com")
	jsonPEM := strings.ReplaceAll(strings.TrimSuffix(pem, "\n"), "\n", `\n`)

	return []ruleCase{
		// sf-consumer-key: positives.
		{"a key passed to simple_salesforce is reported", RuleConsumerKey, "sync.py",
			"sf = Salesforce(username=u, password=p, security_token=t,\n    consumer_key='" + key + "', consumer_secret=os.environ['SF_SECRET'], domain='acme.my')\n", key},
		{"a jsforce clientId is reported", RuleConsumerKey, "src/sf.ts",
			"const conn = new jsforce.Connection({ oauth2: { clientId: '" + key + "', clientSecret: process.env.SF_SECRET, loginUrl: '" + host + "' } });\n", key},
		{"a .env consumer key is reported", RuleConsumerKey, ".env", "SF_CONSUMER_KEY=" + key + "\nSF_USERNAME=etl@acme.example\n", key},
		{"a Jenkinsfile environment key is reported", RuleConsumerKey, "Jenkinsfile", "environment {\n  SF_CONSUMER_KEY=\"" + key + "\"\n}\n", key},
		{"a GitHub Actions env key is reported", RuleConsumerKey, ".github/workflows/deploy.yml", "env:\n  SF_CLIENT_ID: " + key + "\n  SF_CLIENT_SECRET: ${{ secrets.SF_CLIENT_SECRET }}\n", key},
		{"a MuleSoft clientId attribute is reported", RuleConsumerKey, "src/main/mule/sf.xml",
			`<salesforce:oauth-client-credentials clientId="` + key + `" clientSecret="${secure::sf.secret}" tokenUrl="` + host + `/services/oauth2/token"/>` + "\n", key},
		{"a connected app metadata consumerKey is reported", RuleConsumerKey, "force-app/main/default/connectedApps/Etl.connectedApp-meta.xml",
			"<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n<oauthConfig>\n<consumerKey>" + key + "</consumerKey>\n</oauthConfig>\n</ConnectedApp>\n", key},
		{"a key in a Java properties file is reported", RuleConsumerKey, "application.properties", "camel.component.salesforce.client-id=" + key + "\n", key},
		// sf-consumer-key: near-misses.
		{"a 3MVG9EXAMPLE placeholder key is not reported", RuleConsumerKey, "README.md", "SF_CONSUMER_KEY=3MVG9EXAMPLEPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt.1fjORS_6ilI\n", ""},
		{"an xxxx placeholder key is not reported", RuleConsumerKey, "README.md", "SF_CONSUMER_KEY=3MVG9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", ""},
		{"a repeated-character key is not reported", RuleConsumerKey, "README.md", "SF_CONSUMER_KEY=3MVG9" + strings.Repeat("A", 80) + "\n", ""},
		{"a too-short 3MVG string is not reported", RuleConsumerKey, "notes.txt", "prefix 3MVG9abcDEF is how keys start\n", ""},
		{"a key in simple_salesforce JWT bearer code is not reported", RuleConsumerKey, "jwt_login.py",
			"sf = Salesforce(username='etl@acme.example', consumer_key='" + key + "', privatekey_file='server.key', domain='login')\n", ""},
		{"a key in an sf org login jwt command is not reported", RuleConsumerKey, ".github/workflows/ci.yml",
			"- run: sf org login jwt --client-id " + key + " --jwt-key-file server.key --username ci@acme.example --instance-url " + host + "\n", ""},
		{"a key in a jwt-bearer token request is not reported", RuleConsumerKey, "auth.js",
			"const claim = { iss: '" + key + "', sub: user, aud: 'https://login.salesforce.com' };\nconst assertion = jwt.sign(claim, key, { algorithm: 'RS256' });\npost('/services/oauth2/token', { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });\n", ""},
		{"a key read from the environment is not reported", RuleConsumerKey, "sync.py", "consumer_key = os.environ['SF_CONSUMER_KEY']\n", ""},
		{"a key in a percent-encoded form body (a logged request) is reported", RuleConsumerKey, "logs/okhttp.log",
			"D/OkHttp: grant_type%3Dclient_credentials%26client_id%3D" + key + "%26client_secret%3D" + sec + "\n", key},
		{"a key glued to a word is still not reported (only %XX separators count)", RuleConsumerKey, "notes.txt", "ab%3X" + key + "\nx3D" + key + "\n", ""},
		{"a key in the Terraform Salesforce provider (JWT: client_id + private_key) is not reported", RuleConsumerKey, "infra/provider.tf",
			"provider \"salesforce\" {\n  client_id   = \"" + key + "\"\n  private_key = file(\"server.key\")\n  login_url   = \"https://login.salesforce.com\"\n  username    = \"tf@acme.example\"\n}\n", ""},
		{"a key in JWT bearer code whose comment mentions the client secret is not reported", RuleConsumerKey, "jwt_login.py",
			"# Salesforce JWT bearer flow: no client_secret is needed.\nCONSUMER_KEY = '" + key + "'\nassertion = jwt.encode({'iss': CONSUMER_KEY}, pk, algorithm='RS256')\n", ""},
		{"a key in .NET JWT code is not reported", RuleConsumerKey, "Auth.cs",
			"// salesforce\nvar t = handler.CreateToken(new SecurityTokenDescriptor { Issuer = \"" + key + "\", SigningCredentials = new SigningCredentials(rsa, SecurityAlgorithms.RsaSha256) });\n", ""},
		{"a key next to a private_key and a client_secret is reported (not the JWT flow alone)", RuleConsumerKey, "sf.py",
			"client_id = '" + key + "'\nclient_secret = os.environ['SF_SECRET']\nprivate_key = load()\n", key},

		// sf-consumer-secret: positives across ecosystems.
		{"a legacy 19-digit secret with repeated digits (low entropy, still random) is reported", RuleConsumerSecret, "legacy.properties",
			"salesforce.consumer.key=" + key + "\nsalesforce.consumer.secret=" + fakecred.LegacyConsumerSecret("hyg") + "\n", fakecred.LegacyConsumerSecret("hyg")},
		{"a requests token call's client_secret is reported", RuleConsumerSecret, "etl.py",
			"resp = requests.post(f\"" + host + "/services/oauth2/token\", data={\n    \"grant_type\": \"client_credentials\",\n    \"client_id\": \"" + key + "\",\n    \"client_secret\": \"" + sec + "\",\n})\n", sec},
		{"simple_salesforce consumer_secret is reported", RuleConsumerSecret, "sync.py",
			"from simple_salesforce import Salesforce\nsf = Salesforce(consumer_key=KEY, consumer_secret='" + sec + "', domain='acme.my')\n", sec},
		{"a jsforce clientSecret is reported", RuleConsumerSecret, "src/sf.js",
			"const conn = new jsforce.Connection({ oauth2: { clientId: process.env.SF_ID, clientSecret: '" + sec + "' } });\n", sec},
		{"a Camel properties client-secret is reported", RuleConsumerSecret, "src/main/resources/application.properties",
			"camel.component.salesforce.client-id=${SF_ID}\ncamel.component.salesforce.client-secret=" + sec + "\n", sec},
		{"a legacy 19-digit secret in Spring properties is reported", RuleConsumerSecret, "application.properties",
			"salesforce.consumer-key=" + key + "\nsalesforce.consumer-secret=" + legacy + "\n", legacy},
		{"a C# ClientSecret initialiser is reported", RuleConsumerSecret, "SfClient.cs",
			"var auth = new SalesforceAuth { TokenUrl = \"" + host + "/services/oauth2/token\", ClientSecret = \"" + sec + "\" };\n", sec},
		{"a Go oauth2 config ClientSecret is reported", RuleConsumerSecret, "sf/client.go",
			"cfg := clientcredentials.Config{\n\tClientID:     sfKey,\n\tClientSecret: \"" + sec + "\",\n\tTokenURL:     \"" + host + "/services/oauth2/token\",\n}\n", sec},
		{"an Apex request body client_secret is reported", RuleConsumerSecret, "classes/TokenService.cls",
			"req.setEndpoint('callout:Other/services/oauth2/token');\nreq.setBody('grant_type=client_credentials&client_id=' + KEY + '&client_secret=" + sec + "');\n", sec},
		{"a curl -d client_secret is reported", RuleConsumerSecret, "scripts/token.sh",
			"curl -s " + host + "/services/oauth2/token -d grant_type=client_credentials -d client_id=$SF_ID -d client_secret=" + sec + "\n", sec},
		{"a PowerShell variable is reported", RuleConsumerSecret, "Get-SfToken.ps1",
			"$clientSecret = \"" + sec + "\"\nInvoke-RestMethod -Uri \"" + host + "/services/oauth2/token\" -Method Post -Body @{grant_type='client_credentials'}\n", sec},
		{"a MuleSoft clientSecret attribute is reported", RuleConsumerSecret, "src/main/mule/sf.xml",
			`<salesforce:oauth-client-credentials clientId="${sf.id}" clientSecret="` + sec + `" tokenUrl="` + host + `/services/oauth2/token"/>` + "\n", sec},
		{"a consumerSecret in connected app metadata is reported", RuleConsumerSecret, "connectedApps/Etl.connectedApp-meta.xml",
			"<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n<oauthConfig>\n<consumerSecret>" + sec + "</consumerSecret>\n</oauthConfig>\n</ConnectedApp>\n", sec},
		{"a Postman environment value on the next line is reported", RuleConsumerSecret, "Salesforce.postman_environment.json",
			"{\n  \"name\": \"Salesforce\",\n  \"values\": [\n    {\n      \"key\": \"clientSecret\",\n      \"value\": \"" + sec + "\",\n      \"enabled\": true\n    }\n  ]\n}\n", sec},
		{"a Postman collection raw form body is reported", RuleConsumerSecret, "sf.postman_collection.json",
			"{\"request\": {\"url\": \"" + host + "/services/oauth2/token\", \"body\": {\"mode\": \"raw\", \"raw\": \"grant_type=client_credentials&client_id=" + key + "&client_secret=" + sec + "\"}}}\n", sec},
		{"a JSON-escaped notebook cell is reported", RuleConsumerSecret, "explore.ipynb",
			`{"cells": [{"source": ["import simple_salesforce\n", "secrets = {\"client_secret\": \"` + sec + `\"}\n"]}]}` + "\n", sec},
		{"a .env SALESFORCE_CLIENT_SECRET is reported", RuleConsumerSecret, ".env", "SALESFORCE_CLIENT_ID=" + key + "\nSALESFORCE_CLIENT_SECRET=" + sec + "\n", sec},
		{"a YAML client_secret under a salesforce block is reported", RuleConsumerSecret, "config.yaml",
			"salesforce:\n  instance_url: " + host + "\n  client_secret: " + sec + "\n", sec},
		{"a Terraform client_secret is reported", RuleConsumerSecret, "main.tf",
			"provider \"salesforce\" {\n  client_id     = var.sf_id\n  client_secret = \"" + sec + "\"\n  url           = \"" + host + "\"\n}\n", sec},
		{"a GitHub Actions literal SF_CLIENT_SECRET is reported", RuleConsumerSecret, ".github/workflows/sync.yml",
			"env:\n  SF_CLIENT_SECRET: " + sec + "\n", sec},
		{"a percent-encoded form body is reported", RuleConsumerSecret, "request.log",
			"POST /services/oauth2/token body=grant_type%3Dclient_credentials%26client_secret%3D" + sec + "\n", sec},
		{"a log line naming the secret is reported", RuleConsumerSecret, "debug.log",
			"2024-05-01T10:00:00Z DEBUG sfdc auth consumerSecret=" + sec + "\n", sec},
		// sf-consumer-secret: near-misses.
		{"an upper-case SHA-256 checksum is not reported", RuleConsumerSecret, "install-salesforce-cli.ps1",
			"# Salesforce CLI installer\n$expected_sha256 = \"" + sec + "\"\n$client_secret_checksum = \"" + sec + "\"\n", ""},
		{"a checksum file is not reported", RuleConsumerSecret, "sf-cli.sha256", "client_secret " + sec + "  salesforce.tar.gz\n", ""},
		{"a 19-digit order number is not reported", RuleConsumerSecret, "orders.py",
			"# salesforce order sync\nsf_order_id = " + legacy + "\nclient_secret_order_id = " + legacy + "\n", ""},
		{"a lower-case hex value is not reported", RuleConsumerSecret, "sf.py",
			"import simple_salesforce\nclient_secret = '" + lowerHex + "'\n", ""},
		{"a secret with no Salesforce context is not reported", RuleConsumerSecret, "app.py", "client_secret = '" + sec + "'\n", ""},
		{"an Entra ID client secret is not reported", RuleConsumerSecret, "azure.py",
			"AUTHORITY = 'https://login.microsoftonline.com/tenant'\napp = msal.ConfidentialClientApplication(client_id=CID, client_credential=None)\nclient_secret = '" + sec + "'\n# sf_ helpers live elsewhere\n", ""},
		{"an Okta secret in a multi-provider file is not reported", RuleConsumerSecret, "config.yaml",
			"salesforce:\n  instance_url: " + host + "\n" + strings.Repeat("  # filler line for distance\n", 20) +
				"okta:\n  issuer: https://acme.okta.com/oauth2/default\n  client_secret: " + sec + "\n", ""},
		{"a secret from the environment is not reported", RuleConsumerSecret, "sync.py",
			"from simple_salesforce import Salesforce\nclient_secret = os.environ['SF_CLIENT_SECRET']\n", ""},
		{"a placeholder secret is not reported", RuleConsumerSecret, "README.md",
			"Salesforce setup: SF_CLIENT_SECRET=YOUR_CONSUMER_SECRET\nSF_CLIENT_SECRET=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n", ""},
		{"a secret named for Google in a Salesforce .env is not reported", RuleConsumerSecret, ".env",
			"SF_INSTANCE_URL=" + host + "\nGOOGLE_CLIENT_SECRET=" + sec + "\n", ""},
		{"a camel-case Azure secret name in a Salesforce file is not reported", RuleConsumerSecret, "Settings.cs",
			"// salesforce sync\npublic string AzureClientSecret = \"" + sec + "\";\n", ""},
		{"a sandbox-named secret is still Salesforce's", RuleConsumerSecret, ".env",
			"SF_INSTANCE_URL=" + host + "\nSANDBOX_CLIENT_SECRET=" + sec + "\n", sec},
		{"a percent-encoded client_secret in a logged body is reported", RuleConsumerSecret, "logs/okhttp.log",
			"D/OkHttp: POST " + host + "/services/oauth2/token grant_type%3Dclient_credentials%26client_secret%3D" + sec + "\n", sec},
		{"an RFC 7591 client_secret_expires_at number is not reported", RuleConsumerSecret, "registration.json",
			"{\"client_id\": \"" + key + "\", \"client_secret_expires_at\": " + legacy + ", \"token_endpoint\": \"" + host + "/services/oauth2/token\"}\n", ""},
		{"a secret's version, id, update time or sha is not the secret", RuleConsumerSecret, "sf.yml",
			"salesforce:\n  client_secret_version: " + legacy + "\n  consumerSecretId: " + legacy + "\n  client_secret_updated_ns: " + legacy + "\n  client_secret_sha: " + sec + "\n", ""},
		{"an environment-suffixed secret name is still a secret", RuleConsumerSecret, ".env",
			"SF_INSTANCE_URL=" + host + "\nSF_CLIENT_SECRET_PROD=" + sec + "\n", sec},
		{"a camel-case suffix that is not metadata keeps the secret", RuleConsumerSecret, "sf.ts",
			"// salesforce\nconst clientSecretValue = '" + sec + "';\n", sec},
		{"a 63-character hex value is not reported", RuleConsumerSecret, "sf.env", "SF_CLIENT_SECRET=" + sec[:63] + "\n", ""},
		{"a 65-character hex value is not reported", RuleConsumerSecret, "sf.env", "SF_CLIENT_SECRET=" + sec + "A\n", ""},
		{"an 18-digit value is not reported", RuleConsumerSecret, "sf.env", "SF_CLIENT_SECRET=" + legacy[:18] + "\n", ""},

		// sf-access-token.
		{"a session id in a log line is reported", RuleAccessToken, "logs/app.log", "2024-05-01 INFO login ok, Session ID: " + tok + " user=etl\n", tok},
		{"a curl bearer header is reported", RuleAccessToken, "query.sh", "curl " + host + "/services/data/v60.0/limits -H \"Authorization: Bearer " + tok + "\"\n", tok},
		{"an access_token in a JSON response is reported", RuleAccessToken, "fixtures/token.json", `{"access_token":"` + tok + `","instance_url":"` + host + `","token_type":"Bearer"}` + "\n", tok},
		{"an SF_ACCESS_TOKEN in .env is reported", RuleAccessToken, ".env", "SF_ACCESS_TOKEN=" + tok + "\n", tok},
		{"a PowerShell header is reported", RuleAccessToken, "q.ps1", "$headers = @{ Authorization = \"Bearer " + tok + "\" }\n", tok},
		{"a percent-encoded session id in a URL is reported", RuleAccessToken, "access.log",
			"GET /secur/frontdoor.jsp?sid=" + strings.Replace(tok, "!", "%21", 1) + "&retURL=%2Fhome 200\n", strings.Replace(tok, "!", "%21", 1)},
		{"an xxxx token is not reported", RuleAccessToken, "README.md", "SF_ACCESS_TOKEN=00D5e000000ExAm!" + strings.Repeat("x", 96) + "\n", ""},
		{"an elided doc token is not reported", RuleAccessToken, "README.md", "\"access_token\": \"00DS7000000oxzo!AR8AQ...\"\n", ""},
		{"a token cut short is not reported", RuleAccessToken, "notes.txt", "token " + tok[:60] + "\n", ""},
		{"an env lookup is not reported", RuleAccessToken, "q.py", "token = os.environ['SF_ACCESS_TOKEN']\n", ""},

		// sf-refresh-token.
		{"a refresh token in .env is reported", RuleRefreshToken, ".env", "SF_REFRESH_TOKEN=" + ref + "\n", ref},
		{"a Camel refresh-token property is reported", RuleRefreshToken, "application.properties", "camel.component.salesforce.refresh-token=" + ref + "\n", ref},
		{"a Postman refresh_token value is reported", RuleRefreshToken, "env.postman_environment.json", "{\"key\": \"refresh_token\",\n \"value\": \"" + ref + "\"}\n", ref},
		{"a placeholder refresh token is not reported", RuleRefreshToken, "README.md", "SF_REFRESH_TOKEN=5Aep861EXAMPLE" + strings.Repeat("x", 80) + "\n", ""},
		{"a short 5Aep861 string is not reported", RuleRefreshToken, "README.md", "refresh tokens start with 5Aep861TaV and go on\n", ""},
		{"a refresh token from secrets is not reported", RuleRefreshToken, "ci.yml", "SF_REFRESH_TOKEN: ${{ secrets.SF_REFRESH_TOKEN }}\n", ""},

		// sf-sfdx-auth-url.
		{"a PlatformCLI auth URL is reported whole", RuleSFDXAuthURL, "authurl.txt", sfdx + "\n", sfdx},
		{"an auth URL with key and secret is reported whole", RuleSFDXAuthURL, ".github/workflows/ci.yml", "- run: echo \"" + sfdxFull + "\" > auth.txt\n", sfdxFull},
		{"an auth URL in sf org display JSON is reported", RuleSFDXAuthURL, "org.json", `{"result": {"sfdxAuthUrl": "` + sfdx + `"}}` + "\n", sfdx},
		{"a documented auth URL template is not reported", RuleSFDXAuthURL, "README.md", "force://<clientId>:<clientSecret>:<refreshToken>@<instanceUrl>\n", ""},
		{"an auth URL built from secrets is not reported", RuleSFDXAuthURL, "ci.yml", "echo force://PlatformCLI::${{ secrets.REFRESH }}@acme.my.salesforce.com > a\n", ""},
		{"an xxxx auth URL is not reported", RuleSFDXAuthURL, "README.md", "force://PlatformCLI::5Aep861" + strings.Repeat("x", 80) + "@acme.my.salesforce.com\n", ""},

		// sf-jwt-private-key.
		{"server.key is reported", RuleJWTPrivateKey, "certificates/server.key", pem, strings.TrimSuffix(pem, "\n")},
		{"a key beside sf org login jwt is reported", RuleJWTPrivateKey, "docs/setup.md", "Run `sf org login jwt --jwt-key-file server.key`:\n\n" + pem, strings.TrimSuffix(pem, "\n")},
		{"a JSON-escaped key in a jsforce config is reported", RuleJWTPrivateKey, "config/sf.json", `{"jsforce": {"privateKey": "` + jsonPEM + `"}}` + "\n", strings.TrimSuffix(pem, "\n")},
		{"a key with no Salesforce or JWT context is not reported", RuleJWTPrivateKey, "deploy/tls/nginx.key", pem, ""},
		{"an EXAMPLE key body is not reported", RuleJWTPrivateKey, "certificates/server.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEXAMPLEKEYEXAMPLEKEY\n...\n-----END RSA PRIVATE KEY-----\n", ""},
		{"a truncated doc key is not reported", RuleJWTPrivateKey, "README.md", "sf org login jwt needs server.key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", ""},
	}
}

func TestRuleCases(t *testing.T) {
	e := newTestEngine(t)
	for _, c := range ruleCases() {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.src)
			ms := ofRule(e.Scan(c.path, data), c.rule)
			if c.want == "" {
				if len(ms) > 0 {
					t.Fatalf("%s fired on a near-miss: %q", c.rule, ms[0].Secret)
				}
				return
			}
			if len(ms) != 1 {
				t.Fatalf("got %d %s matches, want 1 (all: %+v)", len(ms), c.rule, e.Scan(c.path, data))
			}
			m := ms[0]
			if m.Secret != c.want {
				t.Errorf("secret %q, want %q", m.Secret, c.want)
			}
			if m.Severity == "" || m.Description == "" {
				t.Errorf("severity %q / description %q must be filled", m.Severity, m.Description)
			}
			if m.Start < 0 || m.End > len(data) || m.Start >= m.End {
				t.Fatalf("bad offsets [%d,%d)", m.Start, m.End)
			}
			// Offsets point at the secret in the original bytes, unless JSON escapes sit
			// inside it (a PEM written with \n).
			if !strings.Contains(c.want, "\n") && string(data[m.Start:m.End]) != c.want {
				t.Errorf("offsets [%d,%d) hold %q", m.Start, m.End, data[m.Start:m.End])
			}
		})
	}
}

// TestEveryRuleHasCases fails when a regex rule of the loaded rules.toml lacks a positive or
// a near-miss in ruleCases. Structural rules are covered by the structural detectors' tests.
func TestEveryRuleHasCases(t *testing.T) {
	cfg, err := LoadConfig(builtinLayer())
	if err != nil {
		t.Fatal(err)
	}
	pos, neg := map[string]int{}, map[string]int{}
	for _, c := range ruleCases() {
		if c.want != "" {
			pos[c.rule]++
		} else {
			neg[c.rule]++
		}
	}
	for _, r := range cfg.rules {
		if r.Regex == nil {
			continue
		}
		if pos[r.ID] == 0 || neg[r.ID] == 0 {
			t.Errorf("rule %s: %d positive and %d negative cases; want at least one of each", r.ID, pos[r.ID], neg[r.ID])
		}
		if _, ok := conformanceExamples()[r.ID]; !ok {
			t.Errorf("rule %s has no conformance example", r.ID)
		}
	}
}

func TestConsumerKeySeverity(t *testing.T) {
	e := newTestEngine(t)
	key, sec := fakecred.ConsumerKey("sev"), fakecred.ConsumerSecret("sev")
	cases := []struct {
		name, src, want string
	}{
		{"a key alone is medium", "SF_CONSUMER_KEY=" + key + "\n", "medium"},
		{"a key beside its secret is high", "SF_CONSUMER_KEY=" + key + "\nSF_CONSUMER_SECRET=" + sec + "\n", "high"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := ofRule(e.Scan(".env", []byte(c.src)), RuleConsumerKey)
			if len(ms) != 1 || ms[0].Severity != c.want {
				t.Fatalf("got %+v, want one %s match", ms, c.want)
			}
		})
	}
}

func TestConsumerSecretCarriesKeyAndHost(t *testing.T) {
	e := newTestEngine(t)
	key, sec := fakecred.ConsumerKey("pair"), fakecred.ConsumerSecret("pair")
	src := "SF_LOGIN_URL=https://acme--uat.sandbox.my.salesforce.com\nSF_CONSUMER_KEY=" + key + "\nSF_CONSUMER_SECRET=" + sec + "\n"
	ms := ofRule(e.Scan(".env", []byte(src)), RuleConsumerSecret)
	if len(ms) != 1 {
		t.Fatalf("got %d matches", len(ms))
	}
	if ms[0].ConsumerKey != key || ms[0].Host != "acme--uat.sandbox.my.salesforce.com" {
		t.Errorf("key %q host %q", ms[0].ConsumerKey, ms[0].Host)
	}
}
