package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// plantKind is one way a Salesforce credential ends up in a repository. block returns the
// lines to insert and, for each expected finding, the rule and the 0-based index of the line
// the finding is reported on (the contract in design.md: the secret's line, or the line that
// names the grant or enables the flow).
type plantKind struct {
	name string
	// lang is the language of files the block may be inserted into; nil means the plant is
	// always its own new file (path from newPath).
	lang    *lang
	newPath func(r *rand.Rand) string
	block   func(seed string, r *rand.Rand) (lines []string, hits []hit)
}

type hit struct {
	rule string
	line int // 0-based index into the block
}

const sfHost = "acme.my.salesforce.com"

// Rule IDs are the stable contract in design.md. They are spelled out here rather than taken
// from package detectors so that the generator (and sfleakbench, which imports it) builds on
// its own and works against any sfleak binary.
const (
	ruleConsumerKey       = "sf-consumer-key"
	ruleConsumerSecret    = "sf-consumer-secret"
	ruleClientCredentials = "sf-client-credentials-call"
	rulePasswordGrant     = "sf-password-grant"
	ruleAccessToken       = "sf-access-token"
	ruleRefreshToken      = "sf-refresh-token"
	ruleSFDXAuthURL       = "sf-sfdx-auth-url"
	ruleConnectedAppCC    = "sf-connected-app-cc-enabled"
	ruleJWTPrivateKey     = "sf-jwt-private-key"
)

var plantKinds = []*plantKind{
	{
		name: "python-client-credentials", lang: pyLang,
		newPath: func(r *rand.Rand) string { return "integrations/" + snake(r, 2) + "_sync.py" },
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"# Server-to-server sync with Salesforce (client credentials flow).",
				`SF_TOKEN_URL = "https://` + sfHost + `/services/oauth2/token"`,
				`client_id = "` + fakecred.ConsumerKey(seed) + `"`,
				`client_secret = "` + fakecred.ConsumerSecret(seed) + `"`,
				"",
				"",
				"def fetch_salesforce_token():",
				"    resp = requests.post(SF_TOKEN_URL, data={",
				`        "grant_type": "client_credentials",`,
				`        "client_id": client_id,`,
				`        "client_secret": client_secret,`,
				"    }, timeout=30)",
				"    resp.raise_for_status()",
				`    return resp.json()["access_token"]`,
				"",
			}, []hit{{ruleConsumerKey, 2}, {ruleConsumerSecret, 3}, {ruleClientCredentials, 8}}
		},
	},
	{
		name: "js-sfdx-auth-url", lang: jsLang,
		newPath: func(r *rand.Rand) string { return "scripts/" + camel(r, 1) + "Deploy.js" },
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"// CI deploy user for the UAT sandbox. TODO: move to the vault before go-live.",
				"const SFDX_AUTH_URL = '" + fakecred.SFDXAuthURL(seed, "", "", "acme--uat.sandbox.my.salesforce.com") + "';",
				"",
			}, []hit{{ruleSFDXAuthURL, 1}}
		},
	},
	{
		name: "java-access-token", lang: javaLang,
		newPath: func(r *rand.Rand) string {
			return "src/main/java/com/acme/migration/" + pascal(r, 2) + "Migration.java"
		},
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"    // Session for the one-off data migration; expires after two hours.",
				`    private static final String SF_INSTANCE = "https://` + sfHost + `";`,
				`    private static final String SESSION_ID = "` + fakecred.AccessToken(seed) + `";`,
				"",
				"    private HttpURLConnection openQuery(String soql) throws IOException {",
				`        URL url = new URL(SF_INSTANCE + "/services/data/v60.0/query?q=" + URLEncoder.encode(soql, "UTF-8"));`,
				"        HttpURLConnection conn = (HttpURLConnection) url.openConnection();",
				`        conn.setRequestProperty("Authorization", "Bearer " + SESSION_ID);`,
				"        return conn;",
				"    }",
				"",
			}, []hit{{ruleAccessToken, 2}}
		},
	},
	{
		name: "connected-app-cc-enabled",
		newPath: func(r *rand.Rand) string {
			return "force-app/main/default/connectedApps/" + pascal(r, 2) + "_Sync.connectedApp-meta.xml"
		},
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				`<?xml version="1.0" encoding="UTF-8"?>`,
				`<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">`,
				"    <contactEmail>integration@acme.example</contactEmail>",
				"    <label>" + pascal(r, 2) + " Sync</label>",
				"    <oauthConfig>",
				"        <callbackUrl>https://login.salesforce.com/services/oauth2/callback</callbackUrl>",
				"        <consumerKey>" + fakecred.ConsumerKey(seed) + "</consumerKey>",
				"        <isAdminApproved>true</isAdminApproved>",
				"        <isClientCredentialEnabled>true</isClientCredentialEnabled>",
				"        <isConsumerSecretOptional>false</isConsumerSecretOptional>",
				"        <scopes>Api</scopes>",
				"    </oauthConfig>",
				"    <oauthPolicy>",
				"        <ipRelaxation>ENFORCE</ipRelaxation>",
				"        <oauthClientCredentialUser>integration@acme.example</oauthClientCredentialUser>",
				"        <refreshTokenPolicy>infinite</refreshTokenPolicy>",
				"    </oauthPolicy>",
				"</ConnectedApp>",
			}, []hit{{ruleConnectedAppCC, 8}}
		},
	},
	{
		name: "env-refresh-token",
		newPath: func(r *rand.Rand) string {
			return "deploy/" + pick(r, []string{"uat", "staging", "prod", "dev"}) + "-" + pick(r, words) + ".env"
		},
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"# Salesforce connection for the " + pick(r, words) + " worker",
				"SF_INSTANCE_URL=https://" + sfHost,
				"SF_USERNAME=integration@acme.example",
				"SF_REFRESH_TOKEN=" + fakecred.RefreshToken(seed),
				"LOG_LEVEL=info",
			}, []hit{{ruleRefreshToken, 3}}
		},
	},
	{
		name: "yaml-legacy-secret", lang: yamlLang,
		newPath: func(r *rand.Rand) string { return "config/salesforce-" + pick(r, words) + ".yml" },
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"salesforce:",
				"  login_url: https://login.salesforce.com",
				"  consumer_key: " + fakecred.ConsumerKey(seed),
				`  consumer_secret: "` + fakecred.LegacyConsumerSecret(seed) + `"`,
				"  api_version: \"60.0\"",
			}, []hit{{ruleConsumerKey, 2}, {ruleConsumerSecret, 3}}
		},
	},
	{
		name: "python-password-grant", lang: pyLang,
		newPath: func(r *rand.Rand) string { return "scripts/" + snake(r, 2) + "_export.py" },
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			return []string{
				"",
				"def salesforce_login():",
				"    # Username-password flow for the nightly export job.",
				"    payload = {",
				`        "grant_type": "password",`,
				`        "client_id": os.environ["SF_CLIENT_ID"],`,
				`        "client_secret": os.environ["SF_CLIENT_SECRET"],`,
				`        "username": "integration@acme.example",`,
				`        "password": "` + fakecred.Password(seed) + `",`,
				"    }",
				`    resp = requests.post("https://login.salesforce.com/services/oauth2/token", data=payload, timeout=30)`,
				"    return resp.json()",
				"",
			}, []hit{{rulePasswordGrant, 8}}
		},
	},
	{
		name: "jwt-private-key",
		newPath: func(r *rand.Rand) string {
			return "config/jwt/" + pick(r, []string{"server", "ci", "deploy", pick(r, words)}) + ".key"
		},
		block: func(seed string, r *rand.Rand) ([]string, []hit) {
			pem := strings.TrimSuffix(fakecred.PrivateKeyPEM(seed), "\n")
			return strings.Split(pem, "\n"), []hit{{ruleJWTPrivateKey, 0}}
		},
	},
}

func plantSeed(seed uint64, i int) string { return fmt.Sprintf("synth-%d-%d", seed, i) }
