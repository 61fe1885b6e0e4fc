package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors"
	"github.com/sfleak/sfleak/detectors/sfmeta"
	"github.com/sfleak/sfleak/report"
	"github.com/sfleak/sfleak/report/exposure"
)

// watchdog panics (failing the fuzz input) when fn runs longer than d.
func watchdog(d time.Duration, what string, fn func()) {
	t := time.AfterFunc(d, func() { panic("watchdog: " + what + " still running after " + d.String()) })
	defer t.Stop()
	fn()
}

// reportSeeds are JSON reports of the shapes sfleak writes, plus near-misses.
var reportSeeds = []string{
	`{"tool":{"name":"sfleak","version":"1"},"findings":[{"id":"F1","rule_id":"sf-consumer-secret","severity":"critical","repository":"acme/a","path":"a.py","line":3,"column":7,"commit":"","secret":"ABCD…REDACTED","fingerprint":"fp1","credential":"c1","key_credential":"k1","new":true}],"exposures":[],"errors":[{"source":"acme/b","message":"clone failed"}],"stats":{"blobs":1}}`,
	`{"findings":[{"rule_id":"sf-consumer-key","severity":"medium","path":"b.js","line":1,"secret":"3MVG…","fingerprint":"fp2","credential":"k1","host":"acme.my.salesforce.com"},{"rule_id":"sf-client-credentials-call","severity":"high","path":"b.js","line":2,"fingerprint":"fp3","from_env":true,"suppressed":true}],"exposures":[{"id":"E1","findings":["F7"]}]}`,
	`{"findings":null}`,
	`{"findings":[{"line":"3"}]}`,
	`{"findings":[],"stats":{"blobs":-1,"duration_ms":1e300}}`,
	`[1,2,3]`,
	`{"findings":[{"severity":"nope","line":-5,"column":-1,"date":"not a date","commit":"zz"}],"incident":{"occurrences":[{}]}}`,
}

// FuzzParseReport: the input of sfleak merge. Any bytes either parse into a report that
// merges, finalises and renders in every format without panicking, with output bounded by
// the input's size, or fail with one line that names the file.
func FuzzParseReport(f *testing.F) {
	for _, s := range reportSeeds {
		f.Add([]byte(s))
	}
	weights, err := exposure.LoadWeights(detectors.ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "shards/part-1.json"
		watchdog(20*time.Second, "merge of "+name, func() {
			r, err := report.ParseReport(name, data)
			if err != nil {
				checkNamedLine(t, err, name)
				return
			}
			m := report.Merge(r, r)
			m.Exposures = exposure.Build(m.Findings, sfmeta.NewOrg(), weights)
			report.Finalize(m, report.FinalizeOptions{NoRedact: true, ToolVersion: "fuzz"})
			for _, format := range report.Formats() {
				w, err := report.NewWriter(format, report.WriterOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := w.Write(&buf, m); err != nil {
					checkNamedLine(t, err, "")
					continue
				}
				// Fixed overhead (HTML styles and script, SARIF rule docs) plus a bounded
				// multiple of the input: two copies of each finding, each rendered a few times.
				if limit := 1<<20 + 64*len(data); buf.Len() > limit {
					t.Fatalf("%s: %d bytes of output from %d bytes of input", format, buf.Len(), len(data))
				}
			}
		})
	})
}

// FuzzLoadBaseline: any bytes as --baseline either load or fail with one line that names the
// file and does not quote its content.
func FuzzLoadBaseline(f *testing.F) {
	for _, s := range reportSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "baseline.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var b *report.Baseline
		var err error
		watchdog(10*time.Second, "LoadBaseline", func() { b, err = report.LoadBaseline(p) })
		if err != nil {
			checkNamedLine(t, err, p)
			// A fingerprint-length quote of the input in the error would be a leak channel.
			if len(data) >= 24 && strings.Contains(err.Error(), string(data[:24])) {
				t.Fatalf("error quotes the input: %q", err)
			}
			return
		}
		if b.Len() > len(data) {
			t.Fatalf("%d fingerprints from %d bytes", b.Len(), len(data))
		}
		r := &report.Report{Findings: []report.Finding{{Fingerprint: "fp1"}, {Fingerprint: ""}}}
		b.Filter(r)
	})
}

// checkNamedLine fails unless err is one line and (when name is given) names the input.
func checkNamedLine(t *testing.T, err error, name string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("error spans lines: %q", msg)
	}
	if name != "" && !strings.Contains(msg, name) {
		t.Fatalf("error does not name %s: %q", name, msg)
	}
	if len(msg) > 1024 {
		t.Fatalf("error of %d bytes", len(msg))
	}
}

// FuzzLoadIgnoreFile: a .sfleakignore comes from the scanned repository. Any bytes either
// load (fingerprints only) or fail with one line naming the file and never quoting a line.
func FuzzLoadIgnoreFile(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef # accepted: test fixture\n\n# comment\n"))
	f.Add([]byte("client_secret=0123456789abcdef0123456789abcdef0123456789abcdef\n"))
	f.Add([]byte(strings.Repeat("x", 70000) + "\n"))
	f.Add([]byte("0123456789ABCDEF0123456789ABCDEF\r\n\x00\xff"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, ".sfleakignore")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var fps map[string]bool
		var err error
		watchdog(10*time.Second, "LoadIgnoreFile", func() { fps, err = report.LoadIgnoreFile(p) })
		if err != nil {
			checkNamedLine(t, err, p)
			if len(data) >= 24 && strings.Contains(err.Error(), string(data[:24])) {
				t.Fatalf("error quotes the input: %q", err)
			}
			return
		}
		for fp := range fps {
			if len(fp) != 32 || strings.Trim(fp, "0123456789abcdef") != "" {
				t.Fatalf("loaded %q as a fingerprint", fp)
			}
		}
	})
}
