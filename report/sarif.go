package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// SARIF constants: the schema GitHub code scanning validates uploads against.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// InformationURI is where SARIF viewers link the tool name.
	InformationURI = "https://github.com/sfleak/sfleak"
	// sarifFingerprintKey versions the partial fingerprint: code scanning matches alerts
	// across runs by it, so its meaning must never change under the same key.
	sarifFingerprintKey = "sfleak/v1"
)

// SARIFWriter renders SARIF 2.1.0 as GitHub code scanning accepts it: one run, a rule for
// every built-in rule ID and every rule seen, one result per finding located by relative path,
// line and column, with the finding's fingerprint as partialFingerprints so alerts keep their
// identity across runs. SARIF leaves the machine (it is uploaded to a third party), so no
// secret appears in it, not even redacted and not even with --no-redact.
type SARIFWriter struct{}

var _ Writer = (*SARIFWriter)(nil)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Write renders r.
func (SARIFWriter) Write(w io.Writer, r *Report) error {
	name := r.Tool.Name
	if name == "" {
		name = ToolName
	}
	rules, index := sarifRules(r.Findings)
	exposuresOf := map[string][]string{}
	for _, e := range r.Exposures {
		for _, id := range e.Findings {
			exposuresOf[id] = append(exposuresOf[id], e.ID)
		}
	}
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		results = append(results, sarifResultFor(f, rules[index[f.RuleID]], index[f.RuleID], exposuresOf[f.ID]))
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: name, Version: r.Tool.Version, InformationURI: InformationURI, Rules: rules,
		}},
		Results: results,
		// The scanner counts columns in characters of the line (1-based).
		ColumnKind: "unicodeCodePoints",
	}
	if len(r.Errors) > 0 {
		// Finalize redacts error messages unless --no-redact; SARIF redacts them regardless.
		var raws []string
		for _, f := range r.Findings {
			raws = append(raws, f.Raw, f.RawKey, f.Secret, f.ConsumerKey)
		}
		inv := sarifInvocation{ExecutionSuccessful: true}
		for _, e := range r.Errors {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Level: "warning", Message: sarifText{Text: RedactIn(e.Source+": "+e.Message, raws...)},
			})
		}
		run.Invocations = []sarifInvocation{inv}
	}
	if len(r.Exposures) > 0 {
		run.Properties = map[string]any{"exposures": sarifExposures(r.Exposures)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules lists every built-in rule, then the custom rules seen, sorted by ID; index maps
// a rule ID to its position (results carry ruleIndex).
func sarifRules(findings []Finding) ([]sarifRule, map[string]int) {
	var infos []RuleInfo
	seen := map[string]bool{}
	for _, info := range builtinRules {
		infos = append(infos, info)
		seen[info.ID] = true
	}
	var custom []RuleInfo
	for i := range findings {
		id := findings[i].RuleID
		if !seen[id] {
			seen[id] = true
			custom = append(custom, ruleInfo(id, &findings[i]))
		}
	}
	slices.SortFunc(custom, func(a, b RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	infos = append(infos, custom...)

	// Code scanning reads security-severity from the rule only, not per result: a rule that
	// fired takes the worst severity among its findings (a --config may raise or lower it, a
	// token call with a literal secret is worse than the default), else the built-in default.
	worst := map[string]string{}
	for _, f := range findings {
		if Rank(f.Severity) > Rank(worst[f.RuleID]) {
			worst[f.RuleID] = f.Severity
		}
	}
	rules := make([]sarifRule, len(infos))
	index := make(map[string]int, len(infos))
	for i, info := range infos {
		if sev, ok := worst[info.ID]; ok {
			info.Severity = sev
		}
		index[info.ID] = i
		tags := []string{"security", "secret", "salesforce"}
		if info.ID != "sf-connected-app-cc-enabled" && info.ID != "sf-client-credentials-call" {
			tags = append(tags, "external/cwe/cwe-798") // use of hard-coded credentials
		}
		rules[i] = sarifRule{
			ID:               info.ID,
			Name:             info.Name,
			ShortDescription: sarifText{Text: info.Short},
			FullDescription:  sarifText{Text: info.Full},
			Help: sarifText{
				Text:     info.Full + "\n\nHow to fix: " + info.Fix,
				Markdown: "**" + info.Short + "**\n\n" + info.Full + "\n\n**How to fix:** " + info.Fix,
			},
			HelpURI:              InformationURI + "/blob/main/docs/reports.md#rules",
			DefaultConfiguration: sarifConfig{Level: sarifLevel(info.Severity)},
			Properties: map[string]any{
				"security-severity": securitySeverity(info.Severity),
				"tags":              tags,
				"precision":         "high",
			},
		}
	}
	return rules, index
}

func sarifResultFor(f Finding, rule sarifRule, ruleIndex int, exposures []string) sarifResult {
	msg := rule.ShortDescription.Text
	if f.Description != "" && f.Description != msg {
		msg += " " + f.Description
	}
	if f.Commit != "" {
		msg += fmt.Sprintf(" Introduced in commit %s", shortCommit(f.Commit))
		if f.Date != "" {
			msg += " on " + shortDate(f.Date)
		}
		if f.InHead {
			msg += "; still in the current tree."
		} else {
			msg += "; removed from the current tree but still in git history, so it must be rotated."
		}
	}
	if len(exposures) > 0 {
		msg += " Part of exposure " + strings.Join(exposures, ", ") + "."
	}
	loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(f.Path)}}
	if f.Line > 0 {
		loc.Region = &sarifRegion{StartLine: f.Line}
		if f.Column > 0 {
			loc.Region.StartColumn = f.Column
		}
	}
	props := map[string]any{
		"severity": f.Severity,
		"in_head":  f.InHead,
	}
	for k, v := range map[string]string{"commit": f.Commit, "author": f.Author, "date": f.Date,
		"repository": f.Repository, "url": f.URL, "visibility": f.Visibility, "id": f.ID} {
		if v != "" {
			props[k] = v
		}
	}
	if len(exposures) > 0 {
		props["exposures"] = exposures
	}
	res := sarifResult{
		RuleID:     f.RuleID,
		RuleIndex:  ruleIndex,
		Level:      sarifLevel(f.Severity),
		Message:    sarifText{Text: msg},
		Locations:  []sarifLocation{{PhysicalLocation: loc}},
		Properties: props,
	}
	if f.Fingerprint != "" {
		res.PartialFingerprints = map[string]string{sarifFingerprintKey: f.Fingerprint}
	}
	if f.Suppressed {
		res.Suppressions = []sarifSuppression{{Kind: "inSource",
			Justification: "allowlisted by the repository's own configuration or an inline sfleak:allow comment"}}
	}
	return res
}

// sarifURI turns a repository-relative path into a relative URI reference: percent-encoded
// (spaces, '#', '?' would otherwise change its meaning), always with forward slashes.
func sarifURI(path string) string {
	path = strings.TrimPrefix(strings.ReplaceAll(path, "\\", "/"), "./")
	u := url.URL{Path: path}
	s := u.EscapedPath()
	// A first segment with ':' would read as a scheme; "./" keeps it a relative path.
	if first, _, _ := strings.Cut(s, "/"); strings.Contains(first, ":") {
		s = "./" + s
	}
	return s
}

// sarifExposures is a compact copy of the exposure paths for SARIF consumers that read run
// properties (code scanning ignores them; dashboards built on SARIF need not).
func sarifExposures(es []Exposure) []map[string]any {
	out := make([]map[string]any, 0, len(es))
	for _, e := range es {
		m := map[string]any{
			"id": e.ID, "severity": e.Severity, "risk_score": e.RiskScore,
			"client_credentials_enabled": e.ClientCredentialsEnabled,
			"findings":                   e.Findings,
		}
		if e.ConnectedApp != nil {
			m["connected_app"] = *e.ConnectedApp
		}
		if e.RunAsUser != "" {
			m["run_as_user"] = e.RunAsUser
		}
		out = append(out, m)
	}
	return out
}
