package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// noFetch is the schema compiler's loader: the test runs without network, and every
// reference the SARIF schema makes is internal, so any load attempt is a failure to report.
type noFetch struct{}

func (noFetch) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema loader: refusing to fetch %s (no network in tests)", url)
}

// sarifSchemaValidator compiles testdata/sarif-schema-2.1.0.json (see testdata/README.md).
func sarifSchemaValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	// The published schema is draft-04, which names itself with "id" (later drafts: "$id").
	m := doc.(map[string]any)
	id, _ := m["$id"].(string)
	if id == "" {
		id, _ = m["id"].(string)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noFetch{})
	c.AssertFormat() // uri, uri-reference: code scanning rejects malformed artifact URIs
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	sch := sarifSchemaValidator(t)
	reports := map[string]*Report{
		"full":  finalized(FinalizeOptions{ToolVersion: "1.2.3"}),
		"empty": func() *Report { r := &Report{}; Finalize(r, FinalizeOptions{}); return r }(),
		"custom rule, no line, odd path": func() *Report {
			r := &Report{Findings: []Finding{{RuleID: "acme-internal-token", Severity: SeverityHigh,
				Path: "c:weird dir/#file?.txt", Fingerprint: Fingerprint("acme-internal-token", "x", "r", "p")}}}
			Finalize(r, FinalizeOptions{})
			return r
		}(),
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", WriterOptions{}, r)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("SARIF does not validate: %v", err)
			}
		})
	}
}

func TestSARIFMeetsCodeScanningExpectations(t *testing.T) {
	out := render(t, "sarif", WriterOptions{}, finalized(FinalizeOptions{ToolVersion: "1.2.3"}))
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID         string
						Help       struct{ Text, Markdown string }
						Properties struct {
							SecuritySeverity string   `json:"security-severity"`
							Tags             []string `json:"tags"`
						}
					}
				}
			}
			Results []struct {
				RuleID              string
				RuleIndex           int
				PartialFingerprints map[string]string
				Suppressions        []any
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	ids := map[string]bool{}
	for _, rule := range run.Tool.Driver.Rules {
		ids[rule.ID] = true
		if v, err := strconv.ParseFloat(rule.Properties.SecuritySeverity, 64); err != nil || v <= 0 || v > 10 {
			t.Errorf("rule %s: security-severity %q is not a number in (0, 10]", rule.ID, rule.Properties.SecuritySeverity)
		}
		if rule.Help.Text == "" || rule.Help.Markdown == "" || len(rule.Properties.Tags) == 0 || rule.Properties.Tags[0] != "security" {
			t.Errorf("rule %s lacks help or the security tag", rule.ID)
		}
	}
	sev := map[string]string{}
	for _, rule := range run.Tool.Driver.Rules {
		sev[rule.ID] = rule.Properties.SecuritySeverity
	}
	// A rule that fired shows its worst finding; one that did not, its built-in default.
	if sev["sf-refresh-token"] != "3.0" || sev["sf-consumer-secret"] != "9.5" || sev["sf-jwt-private-key"] != "8.0" {
		t.Errorf("security-severity: refresh %s (fixture: low), secret %s, jwt %s (default high)",
			sev["sf-refresh-token"], sev["sf-consumer-secret"], sev["sf-jwt-private-key"])
	}
	for _, id := range []string{"sf-consumer-key", "sf-consumer-secret", "sf-client-credentials-call",
		"sf-password-grant", "sf-access-token", "sf-refresh-token", "sf-sfdx-auth-url",
		"sf-connected-app-cc-enabled", "sf-jwt-private-key"} {
		if !ids[id] {
			t.Errorf("built-in rule %s missing from tool.driver.rules", id)
		}
	}
	suppressed := 0
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d names another rule", res.RuleID, res.RuleIndex)
		}
		if len(res.PartialFingerprints["sfleak/v1"]) != 32 {
			t.Errorf("result %s: partialFingerprints = %v", res.RuleID, res.PartialFingerprints)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI == "" || loc.Region.StartLine < 1 || loc.Region.StartColumn < 1 {
			t.Errorf("result %s: location %+v", res.RuleID, loc)
		}
		suppressed += len(res.Suppressions)
	}
	if len(run.Results) != 6 || suppressed != 1 {
		t.Errorf("%d results with %d suppressions, want 6 and 1", len(run.Results), suppressed)
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct{ path, want string }{
		{"integrations/billing_sync.py", "integrations/billing_sync.py"},
		{"./a/b.txt", "a/b.txt"},
		{`win\dir\f.env`, "win/dir/f.env"},
		{"dir with space/#x?.md", "dir%20with%20space/%23x%3F.md"},
		{"c:odd/f", "./c:odd/f"},
	}
	for _, tt := range tests {
		if got := sarifURI(tt.path); got != tt.want {
			t.Errorf("sarifURI(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestSARIFSchemaRejectsBrokenLogs proves the schema check can fail: each broken log must be
// refused, so a pass above means something.
func TestSARIFSchemaRejectsBrokenLogs(t *testing.T) {
	sch := sarifSchemaValidator(t)
	broken := map[string]string{
		"no version":          `{"runs": []}`,
		"wrong version":       `{"version": "2.0.0", "runs": []}`,
		"a result level":      `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "sfleak"}}, "results": [{"message": {"text": "x"}, "level": "severe"}]}]}`,
		"a run without tool":  `{"version": "2.1.0", "runs": [{"results": []}]}`,
		"an unknown property": `{"version": "2.1.0", "runs": [], "findings": []}`,
		"a negative line":     `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "sfleak"}}, "results": [{"message": {"text": "x"}, "locations": [{"physicalLocation": {"region": {"startLine": -3}}}]}]}]}`,
	}
	for name, doc := range broken {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(v); err == nil {
			t.Errorf("%s: the schema accepted a broken log", name)
		}
	}
}
