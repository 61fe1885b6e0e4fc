package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mergeFinding(fp string, line int, inHead bool, isNew *bool) Finding {
	return Finding{ID: "F9", RuleID: "sf-consumer-secret", Severity: SeverityCritical, Repository: "acme/" + fp,
		Path: "a.py", Line: line, Fingerprint: fp, InHead: inHead, New: isNew, Secret: "ABCD…REDACTED"}
}

func TestMerge(t *testing.T) {
	yes, no := true, false
	shard1 := &Report{Tool: Tool{Name: "sfleak", Version: "1.2.3"},
		Findings: []Finding{mergeFinding("fp1", 3, true, &no), mergeFinding("fp2", 5, false, &no)},
		Errors:   []Error{{Source: "acme/broken", Message: "clone: repository not found"}},
		Stats:    Stats{Blobs: 10, Bytes: 100, Commits: 4, DurationMS: 7, Repositories: 2}}
	shard2 := &Report{Tool: Tool{Name: "sfleak", Version: "1.2.3"},
		Findings: []Finding{mergeFinding("fp3", 1, true, &yes)},
		Errors:   []Error{{Source: "acme/other", Message: "scan: boom"}},
		Stats:    Stats{Blobs: 5, Bytes: 50, Commits: 1, DurationMS: 3, Repositories: 1, SkippedBinary: 2}}
	// A shard run twice (a retried job): its findings and errors appear twice.
	retried := &Report{Findings: []Finding{mergeFinding("fp2", 5, true, &yes), mergeFinding("fp2", 9, false, &no)},
		Errors: []Error{{Source: "acme/broken", Message: "clone: repository not found"}}}

	got := Merge(shard1, shard2, retried)
	type row struct {
		FP     string
		Line   int
		InHead bool
		New    bool
		ID     string
	}
	var rows []row
	for _, f := range got.Findings {
		rows = append(rows, row{f.Fingerprint, f.Line, f.InHead, *f.New, f.ID})
	}
	want := []row{{"fp1", 3, true, false, ""}, {"fp2", 5, true, true, ""}, {"fp3", 1, true, true, ""}, {"fp2", 9, false, false, ""}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	wantErrs := []Error{{Source: "acme/broken", Message: "clone: repository not found"}, {Source: "acme/other", Message: "scan: boom"}}
	if diff := cmp.Diff(wantErrs, got.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	wantStats := Stats{Blobs: 15, Bytes: 150, Commits: 5, DurationMS: 10, Repositories: 3, SkippedBinary: 2}
	if diff := cmp.Diff(wantStats, got.Stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if got.Tool.Version != "1.2.3" {
		t.Errorf("tool %+v", got.Tool)
	}
	if got.Exposures == nil || len(got.Exposures) != 0 || got.Incident != nil {
		t.Errorf("exposures %v, incident %v: want none (recomputed by the caller)", got.Exposures, got.Incident)
	}
	// Merging never aliases the inputs' findings.
	if shard1.Findings[0].ID != "F9" {
		t.Error("Merge changed an input report")
	}
}

func TestParseReport(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"ok.json", `{"tool":{"name":"sfleak"},"findings":[{"id":"F1","rule_id":"sf-consumer-key","fingerprint":"x"}],"errors":[],"stats":{"blobs":1}}`, ""},
		{"truncated.json", `{"findings":[`, "truncated.json: not a JSON report"},
		{"text.json", "Found 3 leaks\n", "text.json: not a JSON report"},
		{"array.json", `[]`, "array.json: not a JSON report"},
		{"other.json", `{"results":[]}`, `other.json: not an sfleak JSON report (no "findings")`},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := LoadReport(path)
		if tc.wantErr == "" {
			if err != nil || len(r.Findings) != 1 || r.Stats.Blobs != 1 {
				t.Errorf("%s: %+v, %v", tc.name, r, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v; want %q", tc.name, err, tc.wantErr)
		}
	}
	if _, err := LoadReport(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
