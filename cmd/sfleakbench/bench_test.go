package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/scanner/synth"
)

func TestFlagsMayFollowTheRepository(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	m := fs.String("manifest", "", "")
	runs := fs.Int("runs", 3, "")
	pos, err := parseInterspersed(fs, []string{"--runs", "1", "REPO", "--manifest", "m.json"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pos, []string{"REPO"}) || *m != "m.json" || *runs != 1 {
		t.Fatalf("pos %v manifest %q runs %d", pos, *m, *runs)
	}
}

func TestBestAndMedian(t *testing.T) {
	for _, c := range []struct {
		in           []float64
		best, median float64
	}{
		{[]float64{3, 1, 2}, 1, 2},
		{[]float64{4, 1, 2, 3}, 1, 2.5},
		{[]float64{5}, 5, 5},
	} {
		if b, m := bestMedian(c.in); b != c.best || m != c.median {
			t.Errorf("bestMedian(%v) = %v, %v; want %v, %v", c.in, b, m, c.best, c.median)
		}
	}
}

var manifest = &synth.Manifest{Plants: []synth.Plant{
	{RuleID: "sf-consumer-secret", Path: "a.py", Commit: "c1", Line: 4},
	{RuleID: "sf-sfdx-auth-url", Path: "b.js", Commit: "c2", Line: 2},
}}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRecallNeedsRulePathAndIntroducingCommit(t *testing.T) {
	p := write(t, `{"findings": [
		{"rule_id": "sf-consumer-secret", "path": "a.py", "commit": "c1", "line": 9},
		{"rule_id": "sf-sfdx-auth-url", "path": "b.js", "commit": "later", "line": 2},
		{"rule_id": "sf-refresh-token", "path": "c.env", "commit": "c3", "line": 1}]}`)
	n, rc, err := sfleakRecall(p, manifest)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || rc.Found != 1 || rc.Total != 2 || len(rc.Missed) != 1 || !strings.Contains(rc.Missed[0], "b.js") {
		t.Fatalf("findings %d recall %+v", n, rc)
	}
}

func TestGitleaksRecallMatchesPathAndLine(t *testing.T) {
	p := write(t, `[{"File": "a.py", "StartLine": 4, "RuleID": "generic-api-key"},
		{"File": "b.js", "StartLine": 3, "RuleID": "generic-api-key"}]`)
	n, rc, err := gitleaksRecall(p, manifest)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || rc.Found != 1 {
		t.Fatalf("findings %d recall %+v", n, rc)
	}
	if _, rc, _ := gitleaksRecall(p, nil); rc != nil {
		t.Fatal("recall without a manifest")
	}
}
