package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sfleak/sfleak/detectors/fakecred"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBaselineReportsOnlyNewFindings(t *testing.T) {
	// A previous run's JSON report is the baseline.
	var prev bytes.Buffer
	if err := (JSONWriter{}).Write(&prev, finalized(FinalizeOptions{})); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBaseline(writeFile(t, "baseline.json", prev.String()))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 6 {
		t.Errorf("baseline has %d fingerprints, want 6", b.Len())
	}

	// The same findings again, plus one new one.
	r := fixtureReport()
	raw := fakecred.ConsumerSecret("new")
	r.Findings = append(r.Findings, Finding{RuleID: "sf-consumer-secret", Severity: SeverityCritical,
		Repository: "acme/billing", Path: "integrations/new.py", Line: 3, Raw: raw,
		Fingerprint: Fingerprint("sf-consumer-secret", raw, "acme/billing", "integrations/new.py")})
	b.Filter(r)
	Finalize(r, FinalizeOptions{})
	if len(r.Findings) != 1 || r.Findings[0].Path != "integrations/new.py" || r.Findings[0].ID != "F1" {
		t.Fatalf("after baseline: %+v, want only the new finding as F1", r.Findings)
	}
	if len(r.Exposures) != 0 {
		t.Errorf("exposures left with no findings were kept: %+v", r.Exposures)
	}
}

func TestBaselineKeepsExposuresWithARemainingFinding(t *testing.T) {
	r := finalized(FinalizeOptions{})                                                 // exposures now name F-ids
	base := &Baseline{fingerprints: map[string]bool{r.Findings[0].Fingerprint: true}} // F1, the secret of E1
	base.Filter(r)
	if len(r.Exposures) != 2 {
		t.Fatalf("got %d exposures, want 2", len(r.Exposures))
	}
	if diff := cmp.Diff([]string{"F4", "F5"}, r.Exposures[0].Findings); diff != "" {
		t.Errorf("E1 findings (-want +got):\n%s", diff)
	}
	for _, l := range r.Exposures[0].Locations {
		if l.Line == 5 {
			t.Errorf("location of the dropped finding kept: %+v", l)
		}
	}
	Finalize(r, FinalizeOptions{})
	if r.Findings[0].ID != "F1" || r.Exposures[0].Findings[0] != "F3" {
		t.Errorf("refinalized IDs: first finding %s, E1 names %v", r.Findings[0].ID, r.Exposures[0].Findings)
	}
}

func TestLoadBaselineErrors(t *testing.T) {
	secretish := fakecred.AccessToken("baseline")
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", "{" + secretish, "not a JSON report"},
		{"JSON but not a report", `{"results": []}`, `no "findings" list`},
		{"findings of the wrong type", `{"findings": "` + secretish + `"}`, "wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "b.json", tt.content)
			_, err := LoadBaseline(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming the file and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secretish[:20]) {
				t.Errorf("error quotes the file's content: %v", err)
			}
		})
	}
	if _, err := LoadBaseline(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing baseline accepted")
	}
}

func TestLoadIgnoreFile(t *testing.T) {
	fp1 := Fingerprint("sf-consumer-secret", "a", "r", "p")
	fp2 := Fingerprint("sf-access-token", "b", "r", "p")
	tests := []struct {
		name    string
		content string
		want    map[string]bool
		wantErr string
	}{
		{"fingerprints, comments, blank lines and trailing reasons",
			"# accepted leaks\n\n" + fp1 + "\n  " + strings.ToUpper(fp2) + "  # test org, rotated\n",
			map[string]bool{fp1: true, fp2: true}, ""},
		{"an empty file ignores nothing", "", map[string]bool{}, ""},
		{"a line that is not a fingerprint is an error naming the line", fp1 + "\n" + fakecred.ConsumerSecret("pasted") + "\n",
			nil, ":2: not a fingerprint"},
		{"a fingerprint with extra words is an error", fp1 + " extra\n", nil, ":1: not a fingerprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, ".sfleakignore", tt.content)
			got, err := LoadIgnoreFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), fakecred.ConsumerSecret("pasted")) {
					t.Errorf("error quotes the line: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	got, err := LoadIgnoreFile(filepath.Join(t.TempDir(), ".sfleakignore"))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("missing file: %v, %v; want empty set, nil", got, err)
	}
}

func TestApplyIgnoreDropsListedFindings(t *testing.T) {
	r := fixtureReport()
	var etl string
	for _, f := range r.Findings {
		if f.RuleID == "sf-password-grant" {
			etl = f.Fingerprint
		}
	}
	ApplyIgnore(r, map[string]bool{etl: true})
	Finalize(r, FinalizeOptions{})
	if len(r.Findings) != 5 {
		t.Errorf("%d findings, want 5", len(r.Findings))
	}
	if len(r.Exposures) != 1 || r.Exposures[0].RiskScore != 9.6 {
		t.Errorf("exposure of the ignored finding kept: %+v", r.Exposures)
	}
}
