// Package report holds the stable report model (the JSON contract in the README) and the
// writers that render it. Writers format a finished, sorted, redacted Report; nothing else.
package report

import "io"

// Report is the document every output format renders. Field names and JSON tags are a fixed
// contract (README, "JSON report"): scripts and dashboards parse them. Add fields, never rename.
type Report struct {
	Tool      Tool       `json:"tool"`
	Findings  []Finding  `json:"findings"`
	Exposures []Exposure `json:"exposures"`
	Incident  *Incident  `json:"incident,omitempty"`
	Errors    []Error    `json:"errors"`
	Stats     Stats      `json:"stats"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Finding is one leaked credential (or credential-bearing construct) at one path.
// The same secret at the same path across many commits is one Finding, carrying the commit
// that first introduced it there.
type Finding struct {
	ID          string `json:"id"`
	RuleID      string `json:"rule_id"`
	Severity    string `json:"severity"`
	Repository  string `json:"repository"`
	Path        string `json:"path"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Commit      string `json:"commit"`
	Author      string `json:"author"`
	Email       string `json:"email"`
	Date        string `json:"date"`
	InHead      bool   `json:"in_head"`
	Secret      string `json:"secret"`
	Fingerprint string `json:"fingerprint"`
	URL         string `json:"url,omitempty"`
	Visibility  string `json:"visibility,omitempty"`
	New         *bool  `json:"new,omitempty"`

	// Fields beyond the fixed contract.
	Description string `json:"description,omitempty"`
	// Credential identifies the secret value across locations (a salted hash, never the
	// value): equal secrets in different files, commits or repositories share it.
	Credential string `json:"credential,omitempty"`
	// Blob is the git blob id of the content that holds the secret (plain files: the blob id
	// their bytes would have), so findings from one blob can be grouped.
	Blob string `json:"blob,omitempty"`
	// Host, Username and ConsumerKey are context found with the secret (a token host, the
	// user of a password grant, the key paired with a secret). ConsumerKey is redacted.
	Host        string `json:"host,omitempty"`
	Username    string `json:"username,omitempty"`
	ConsumerKey string `json:"consumer_key,omitempty"`
	// KeyCredential is CredentialID of the paired consumer key, so that exposures can be
	// recomputed from a JSON report (sfleak merge) without any raw value.
	KeyCredential string `json:"key_credential,omitempty"`
	// FromEnv is true when the secret part of a token call comes from the environment or a
	// secret store rather than a literal.
	FromEnv bool `json:"from_env,omitempty"`
	// Suppressed marks a finding that a repository's own config or inline comment would hide;
	// sweeps keep such findings for the security team (see --trust-repo-config).
	Suppressed bool     `json:"suppressed,omitempty"`
	Refs       []string `json:"refs,omitempty"`
	// DefaultBranch is the repository's default branch (sweeps).
	DefaultBranch string `json:"default_branch,omitempty"`

	// Raw is the unredacted secret. It never leaves the process through JSON; writers use
	// Secret, which is redacted unless --no-redact. Exposure grouping and triage need Raw.
	Raw string `json:"-"`
	// RawKey is the unredacted consumer key paired with the secret, when known.
	RawKey string `json:"-"`
}

// Exposure is one credential set followed along the path an attacker would walk:
// leak → credential → connected app → flow → run-as user → permissions → mitigations → score.
type Exposure struct {
	ID                       string     `json:"id"`
	ConnectedApp             *string    `json:"connected_app"`
	ConnectedAppLabel        string     `json:"connected_app_label,omitempty"`
	AppType                  string     `json:"app_type,omitempty"` // ConnectedApp | ExternalClientApplication
	ConsumerKey              string     `json:"consumer_key"`
	ClientCredentialsEnabled bool       `json:"client_credentials_enabled"`
	RunAsUser                string     `json:"run_as_user"`
	RunAsUserActive          *bool      `json:"run_as_user_active,omitempty"`
	Profile                  string     `json:"profile"`
	PermissionSets           []string   `json:"permission_sets,omitempty"`
	Permissions              []string   `json:"permissions"`
	Mitigations              []string   `json:"mitigations"`
	RiskScore                float64    `json:"risk_score"`
	Severity                 string     `json:"severity"`
	Public                   bool       `json:"public,omitempty"`
	Findings                 []string   `json:"findings"`
	Locations                []Location `json:"locations"`
	Steps                    []Step     `json:"steps"`
	Remediation              []string   `json:"remediation"`
	// ScoreFactors explains the score: each weight from rules.toml that applied.
	ScoreFactors []string `json:"score_factors,omitempty"`
}

// Location is where one of an exposure's findings sits.
type Location struct {
	Repository string `json:"repository"`
	Path       string `json:"path"`
	Line       int    `json:"line"`
	Commit     string `json:"commit"`
	URL        string `json:"url,omitempty"`
}

// Step is one hop of an exposure path. Kind is one of: leak, credential, app, flow, user,
// permissions, mitigations, score.
type Step struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Detail string `json:"detail,omitempty"`
}

// Incident is the triage view of one credential (only in triage reports).
type Incident struct {
	Fingerprint string       `json:"fingerprint"`
	RuleID      string       `json:"rule_id"`
	Secret      string       `json:"secret,omitempty"`
	Occurrences []Occurrence `json:"occurrences"`
	FirstSeen   *Seen        `json:"first_seen"`
	FirstPublic *Seen        `json:"first_public,omitempty"`
	Removed     *Seen        `json:"removed"`
	InHead      bool         `json:"in_head"`
	WindowDays  float64      `json:"window_days,omitempty"`
	Verify      *Verify      `json:"verify,omitempty"`
	Checklist   []string     `json:"checklist"`
}

// Occurrence is one place a triaged credential was found.
type Occurrence struct {
	Repository string   `json:"repository"`
	Path       string   `json:"path"`
	Line       int      `json:"line"`
	Commit     string   `json:"commit"`
	Date       string   `json:"date"`
	Author     string   `json:"author"`
	Refs       []string `json:"refs"`
	Visibility string   `json:"visibility"`
	RuleID     string   `json:"rule_id,omitempty"`
	InHead     bool     `json:"in_head"`
	URL        string   `json:"url,omitempty"`
}

// Seen is a commit and its date.
type Seen struct {
	Commit     string `json:"commit"`
	Date       string `json:"date"`
	Repository string `json:"repository,omitempty"`
}

// Verify is the answer of a live validity check (triage --verify).
type Verify struct {
	Status string `json:"status"` // valid | invalid | unknown
	Reason string `json:"reason"`
	Host   string `json:"host"`
}

// Error is a problem with one input that did not stop the run.
type Error struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// Stats counts what was read.
type Stats struct {
	Blobs          int64 `json:"blobs"`
	Bytes          int64 `json:"bytes"`
	Commits        int64 `json:"commits"`
	DurationMS     int64 `json:"duration_ms"`
	Repositories   int64 `json:"repositories,omitempty"`
	SkippedBinary  int64 `json:"skipped_binary"`
	SkippedLarge   int64 `json:"skipped_large"`
	SkippedSymlink int64 `json:"skipped_symlink,omitempty"`
	MissingObjects int64 `json:"missing_objects,omitempty"`
}

// Writer renders a finished report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// Severities from most to least severe. Rank orders them (higher is worse).
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityInfo     = "info"
)

// Rank returns an ordering for a severity name: critical 5 … info 1, unknown 0.
func Rank(severity string) int {
	switch severity {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}
