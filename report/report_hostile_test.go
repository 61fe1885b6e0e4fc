package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// Hostile reports given to --baseline and merge: each is one error line naming the file,
// never quoting it (a --no-redact report holds raw secrets), never a crash.
func TestLoadHostileReports(t *testing.T) {
	secret := fakecred.ConsumerSecret("report-hostile")
	tests := []struct{ name, data string }{
		{"findings is an object", `{"findings":{"fingerprint":"` + secret + `"}}`},
		{"a finding is a string", `{"findings":["` + secret + `"]}`},
		{"line is a string", `{"findings":[{"line":"` + secret + `"}]}`},
		{"truncated after a secret", `{"findings":[{"secret":"` + secret},
		{"a secret where a key should be", `{"findings":[{` + secret + `}]}`},
		{"not JSON at all", "client_secret=" + secret},
		{"deeply nested", `{"findings":[],"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`},
		{"stats of the wrong type", `{"findings":[],"stats":{"blobs":"` + secret + `"}}`},
		{"empty", ""},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, berr := LoadBaseline(p)
			_, rerr := LoadReport(p)
			for what, err := range map[string]error{"LoadBaseline": berr, "LoadReport": rerr} {
				if err == nil && (tt.name == "deeply nested" ||
					what == "LoadBaseline" && (tt.name == "line is a string" || tt.name == "stats of the wrong type")) {
					continue // valid as far as the reader looks (a baseline reads fingerprints only)
				}
				if err == nil {
					t.Errorf("%s: loaded", what)
					continue
				}
				msg := err.Error()
				if !strings.Contains(msg, p) || strings.ContainsAny(msg, "\r\n") || len(msg) > len(p)+300 {
					t.Errorf("%s: error %q is not one short line naming the file", what, msg)
				}
				if strings.Contains(msg, secret[:12]) {
					t.Errorf("%s: error quotes the content: %q", what, msg)
				}
			}
		})
	}
}
