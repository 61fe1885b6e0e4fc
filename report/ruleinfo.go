package report

// RuleInfo documents a rule for readers of a report: SARIF rule metadata, the HTML legend.
// The detection side (patterns, keywords) lives in rules.toml; this is what a person who
// meets a finding needs: what it is, why it matters, how to fix it.
type RuleInfo struct {
	ID       string
	Name     string // PascalCase, as SARIF viewers show rule names
	Short    string // one sentence
	Full     string // what it is and why it matters
	Fix      string // how to fix it, in order
	Severity string // the default severity in the built-in rules.toml (SARIF defaultConfiguration)
}

// builtinRules are the stable rule IDs (README, "Rule IDs"), in that table's order. SARIF lists
// them all, so code scanning knows every rule even before it first fires.
var builtinRules = []RuleInfo{
	{
		ID: "sf-consumer-key", Name: "SalesforceConsumerKey", Severity: SeverityMedium,
		Short: "Salesforce Connected App consumer key committed.",
		Full: "A Connected App consumer key (3MVG…) identifies an OAuth client. Alone it is not a " +
			"password, but with the matching consumer secret it is a complete client-credentials " +
			"login, and it tells an attacker which app a leaked secret belongs to.",
		Fix: "Move the key to configuration or a secret store. If its consumer secret was ever " +
			"committed anywhere, rotate the secret (Setup → App Manager → the app → Manage Consumer Details).",
	},
	{
		ID: "sf-consumer-secret", Name: "SalesforceConsumerSecret", Severity: SeverityCritical,
		Short: "Salesforce Connected App consumer secret committed.",
		Full: "A consumer secret authenticates a Connected App. With its consumer key and the client " +
			"credentials flow enabled, anyone holding it gets API access as the app's run-as user, " +
			"with no MFA in the way. Removing it from the code does not revoke it: it stays in git history.",
		Fix: "Rotate the consumer secret now (App Manager → the app → Manage Consumer Details → " +
			"generate a new consumer secret), update the integrations that use it from a secret store, " +
			"revoke the app's existing tokens (Connected Apps OAuth Usage), then disable the client " +
			"credentials flow if the app does not need it.",
	},
	{
		ID: "sf-client-credentials-call", Name: "SalesforceClientCredentialsCall", Severity: SeverityHigh,
		Short: "Code requests Salesforce tokens with the client credentials flow.",
		Full: "A call to a Salesforce token endpoint that asks for the client credentials grant. The integration " +
			"depends on the flow Salesforce's security guidance says to disable: its consumer key and " +
			"secret are a static shared secret that logs in as the run-as user without MFA.",
		Fix: "Move the integration to the JWT bearer flow with a certificate (or another flow with a " +
			"named, least-privilege user), then disable client credentials on the Connected App. " +
			"Until then keep the secret out of code and restrict the run-as user.",
	},
	{
		ID: "sf-password-grant", Name: "SalesforcePasswordGrant", Severity: SeverityHigh,
		Short: "Username-password OAuth login with a hard-coded password.",
		Full: "The username-password flow with a password (and security token) in the code logs in as " +
			"that user with no MFA. Salesforce blocks this flow by default in new orgs.",
		Fix: "Reset the user's password and security token, move to the JWT bearer flow, and block " +
			"the username-password flow in the org's OAuth settings.",
	},
	{
		ID: "sf-access-token", Name: "SalesforceAccessToken", Severity: SeverityCritical,
		Short: "Salesforce access token or session id committed.",
		Full: "An access token (00D…!…) is a live session: it works until it expires or is revoked, " +
			"with the full rights of its user.",
		Fix: "Revoke the session (Setup → Session Management, or the user's OAuth connected apps), " +
			"and find out which integration wrote a token into a file.",
	},
	{
		ID: "sf-refresh-token", Name: "SalesforceRefreshToken", Severity: SeverityCritical,
		Short: "Salesforce refresh token committed.",
		Full:  "A refresh token (5Aep861…) mints new access tokens for its user, often without expiry.",
		Fix: "Revoke the token (the user's Connected Apps OAuth Usage, or /services/oauth2/revoke) and " +
			"set a refresh token policy that expires unused tokens.",
	},
	{
		ID: "sf-sfdx-auth-url", Name: "SalesforceSFDXAuthURL", Severity: SeverityCritical,
		Short: "Salesforce CLI auth URL (force://…) committed.",
		Full: "An SFDX auth URL holds a client id, optional secret and a refresh token for an org: " +
			"'sf org login sfdx-url' turns it into a full login.",
		Fix: "Revoke the refresh token (log out the CLI session: 'sf org logout', or revoke it in " +
			"Setup), and keep auth URLs in the CI secret store.",
	},
	{
		ID: "sf-connected-app-cc-enabled", Name: "SalesforceClientCredentialsEnabled", Severity: SeverityHigh,
		Short: "Connected App metadata enables the client credentials flow.",
		Full: "Connected App or External Client App metadata with the client credentials flow on. " +
			"Any leak of the app's consumer secret then logs in as the run-as user without MFA.",
		Fix: "Turn the flow off (isClientCredentialEnabled, or isClientCredentialsFlowEnabled for an " +
			"External Client App, set to false) unless an integration needs it; if it does, give the " +
			"run-as user a minimal API-only profile and restrict its login IP ranges.",
	},
	{
		ID: "sf-jwt-private-key", Name: "SalesforceJWTPrivateKey", Severity: SeverityHigh,
		Short: "Private key for the Salesforce JWT bearer flow committed.",
		Full: "The private key that signs JWT bearer assertions lets its holder log in as any user " +
			"pre-authorised for the Connected App.",
		Fix: "Replace the certificate on the Connected App with a new key pair, delete the old one, " +
			"and keep the new private key in a secret store.",
	},
}

// Rules returns the documentation of every built-in rule, in the README's order.
func Rules() []RuleInfo {
	return append([]RuleInfo(nil), builtinRules...)
}

// ruleInfo returns the documentation of a rule; a custom rule from --config gets a generic
// entry built from one of its findings.
func ruleInfo(id string, example *Finding) RuleInfo {
	for _, r := range builtinRules {
		if r.ID == id {
			return r
		}
	}
	info := RuleInfo{ID: id, Name: id, Severity: SeverityMedium,
		Short: "Custom rule " + id + " matched.",
		Full:  "A rule from the configuration (--config or .sfleak.toml) matched.",
		Fix:   "Remove the value from the code and history, and rotate it if it is a credential."}
	if example != nil {
		if example.Description != "" {
			info.Short = example.Description
			info.Full = example.Description
		}
		if example.Severity != "" {
			info.Severity = example.Severity
		}
	}
	return info
}

// securitySeverity is GitHub code scanning's numeric severity (a string "0.0"–"10.0":
// ≥9 critical, ≥7 high, ≥4 medium, >0 low).
func securitySeverity(sev string) string {
	switch sev {
	case SeverityCritical:
		return "9.5"
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.5"
	case SeverityLow:
		return "3.0"
	}
	return "1.0"
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(sev string) string {
	switch sev {
	case SeverityCritical, SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}
