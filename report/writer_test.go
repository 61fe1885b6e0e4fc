package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test ./report -update rewrites it):\n%s", path, diff)
	}
}

func render(t *testing.T, format string, o WriterOptions, r *Report) []byte {
	t.Helper()
	w, err := NewWriter(format, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

// goldenFormats have a golden file per fixture; html is checked in Chromium instead.
var goldenFormats = map[string]string{"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif"}

func TestWritersMatchGoldenFiles(t *testing.T) {
	fixtures := []struct {
		name   string
		report func() *Report
	}{
		{"full", func() *Report { return finalized(FinalizeOptions{ToolVersion: "1.2.3"}) }},
		{"empty", func() *Report {
			r := &Report{Stats: Stats{Blobs: 10, Bytes: 2048}}
			Finalize(r, FinalizeOptions{ToolVersion: "1.2.3"})
			return r
		}},
	}
	for _, fx := range fixtures {
		for format, ext := range goldenFormats {
			t.Run(fx.name+"/"+format, func(t *testing.T) {
				golden(t, fx.name+"."+ext+".golden", render(t, format, WriterOptions{}, fx.report()))
			})
		}
	}
}

func TestNoRawSecretInAnyOutput(t *testing.T) {
	raws := fixtureRaws()
	for _, noRedact := range []bool{false, true} {
		for _, format := range []string{"text", "json", "markdown", "sarif"} {
			for _, color := range []bool{false, true} {
				out := render(t, format, WriterOptions{Color: color}, finalized(FinalizeOptions{NoRedact: noRedact}))
				for _, raw := range raws {
					found := bytes.Contains(out, []byte(raw))
					// SARIF goes to a third party (code scanning): never a secret, even with
					// --no-redact. The others print what the user asked for.
					allowed := noRedact && format != "sarif"
					if found && !allowed {
						t.Errorf("%s (no-redact=%v, color=%v): raw secret %s… in output", format, noRedact, color, raw[:4])
					}
					if !found && noRedact && format == "json" {
						t.Errorf("json with --no-redact lacks raw secret %s…", raw[:4])
					}
				}
			}
		}
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	r := finalized(FinalizeOptions{})
	if plain := render(t, "text", WriterOptions{}, r); bytes.Contains(plain, []byte("\x1b[")) {
		t.Error("ANSI escape in text output without Color")
	}
	if colored := render(t, "text", WriterOptions{Color: true}, r); !bytes.Contains(colored, []byte("\x1b[")) {
		t.Error("no ANSI escape in text output with Color")
	}
}

func TestNewWriter(t *testing.T) {
	if got, want := Formats(), []string{"text", "json", "sarif", "html", "markdown"}; !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	for _, f := range Formats() {
		if _, err := NewWriter(f, WriterOptions{}); err != nil {
			t.Errorf("NewWriter(%q): %v", f, err)
		}
	}
	_, err := NewWriter("xml", WriterOptions{})
	if err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("NewWriter(xml) error = %v, want one naming the format", err)
	}
}

func TestTextCleansControlCharacters(t *testing.T) {
	r := &Report{Findings: []Finding{{ID: "F1", RuleID: "sf-access-token", Severity: SeverityHigh,
		Repository: "acme/x", Path: "evil\x1b]0;owned\x07\x1b[2J.txt", Author: "a\rb", Commit: "abc"}}}
	for _, color := range []bool{false, true} {
		out := render(t, "text", WriterOptions{Color: color}, r)
		for _, bad := range []string{"\x1b]", "\x1b[2J", "\x07", "\r"} {
			if bytes.Contains(out, []byte(bad)) {
				t.Errorf("color=%v: control sequence %q from input reached the terminal", color, bad)
			}
		}
	}
}
