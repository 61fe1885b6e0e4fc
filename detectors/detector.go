// Package detectors finds Salesforce credentials in bytes: rules from rules.toml (patterns,
// keywords, context words, entropy, placeholders, allowlists) and hand-written detectors for
// structure a regular expression cannot see (token calls spread over lines, metadata XML,
// HTTP Basic client authentication, JSON-escaped source).
package detectors

// Detector finds matches of one or more rules in one blob's bytes.
type Detector interface {
	// Name identifies the detector in errors and benchmarks.
	Name() string
	// Keywords are lower-case strings of which at least one must occur in the blob
	// (case-insensitively) before Detect is called. Empty means: always run.
	Keywords() []string
	// Detect returns the matches in data. path is the blob's path (its extension and name
	// select parsers); it may be empty. Detect must not retain data.
	Detect(path string, data []byte) []Match
}

// Match is one detected secret. Offsets are byte offsets into the blob's data; the scanner
// turns Start into a line and column once.
type Match struct {
	RuleID   string
	Start    int // offset of the reported position (the secret, or the line that names the grant)
	End      int
	Secret   string // the raw value; redacted later, never logged
	Severity string // critical|high|medium|low|info; empty: the rule's default

	// Typed context, found next to the secret.
	Host        string // Salesforce host the credential talks to, if seen
	Username    string // password-grant / run-as username, if seen
	ConsumerKey string // consumer key paired with a secret, if seen (raw)
	FromEnv     bool   // the secret of a token call comes from the environment / a secret store
	Description string // one line for humans: what was found
	// Suppressed says why a repository's own allowlist (.sfleak.toml) or an inline
	// sfleak:allow comment would hide this match; empty when nothing does. scan drops
	// suppressed matches; sweep keeps them, marked, unless --trust-repo-config.
	Suppressed string
}

// Rule IDs: a stable contract (README, "Rule IDs").
const (
	RuleConsumerKey       = "sf-consumer-key"
	RuleConsumerSecret    = "sf-consumer-secret"
	RuleClientCredentials = "sf-client-credentials-call"
	RulePasswordGrant     = "sf-password-grant"
	RuleAccessToken       = "sf-access-token"
	RuleRefreshToken      = "sf-refresh-token"
	RuleSFDXAuthURL       = "sf-sfdx-auth-url"
	RuleConnectedAppCC    = "sf-connected-app-cc-enabled"
	RuleJWTPrivateKey     = "sf-jwt-private-key"
)

// RuleIDs lists every built-in rule ID in a fixed order.
var RuleIDs = []string{
	RuleConsumerKey, RuleConsumerSecret, RuleClientCredentials, RulePasswordGrant,
	RuleAccessToken, RuleRefreshToken, RuleSFDXAuthURL, RuleConnectedAppCC, RuleJWTPrivateKey,
}
