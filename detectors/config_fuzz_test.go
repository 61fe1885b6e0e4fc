package detectors

import (
	"strings"
	"testing"
	"time"
)

// FuzzLoadConfig: a layer of arbitrary TOML (a scanned repository's .sfleak.toml, or
// --config) over the built-in rules either loads into a config the engine accepts and can
// scan with, or fails with one short line naming the layer. Never a panic or a hang
// (RE2 rejects what it cannot compile in linear time).
func FuzzLoadConfig(f *testing.F) {
	f.Add(false, []byte("[allowlist]\npaths = [\"**/fixtures/**\"]\nstopwords = [\"example\"]\n"))
	f.Add(true, []byte("[[rules]]\nid = \"sf-consumer-secret\"\nseverity = \"high\"\n"))
	f.Add(false, []byte("[[rules]]\nid = \"custom\"\nregex = '''(?i)token\\s*=\\s*\"([a-z0-9]{20,})\"'''\nkeywords = [\"token\"]\nentropy = 3.0\n"))
	f.Add(true, []byte("[[rules]]\nid = \"sf-access-token\"\ndisabled = true\n"))
	f.Add(false, []byte("[[rules]]\nid = \"x\"\nregex = \"(a{1000}){1000}\"\n"))
	f.Add(false, []byte("[scoring]\nbase = 3\n"))
	base := builtinLayer()
	probe := []byte("salesforce token = \"abcdefghijklmnopqrstuvwxyz0123\" client_secret\n")
	f.Fuzz(func(t *testing.T, trusted bool, data []byte) {
		const name = "repo/.sfleak.toml"
		var cfg *Config
		var err error
		watchdog(10*time.Second, "LoadConfig", func() {
			cfg, err = LoadConfig(base, ConfigLayer{Name: name, Data: data, Trusted: trusted})
		})
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, name+": ") {
				t.Fatalf("error does not start with the layer name: %q", msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
			// Quoting the offending regex or glob once is fine; more is not.
			if len(msg) > 512+len(data) {
				t.Fatalf("error of %d bytes for %d bytes of input", len(msg), len(data))
			}
			return
		}
		e, err := NewEngine(cfg)
		if err != nil {
			t.Fatalf("NewEngine rejected a loaded config: %v", err)
		}
		watchdog(10*time.Second, "Scan with fuzzed config", func() {
			for _, p := range []string{"x.py", "a.ipynb"} {
				for _, m := range e.Scan(p, probe) {
					if m.Start < 0 || m.End > len(probe) || m.Start > m.End {
						t.Fatalf("%s offsets %d..%d", m.RuleID, m.Start, m.End)
					}
				}
			}
			_ = e.SkipPath("a/b/c.txt")
		})
	})
}
