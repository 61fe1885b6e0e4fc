package detectors

import (
	"strings"
	"testing"
	"time"
)

// Hostile TOML: every bad layer is one error line naming the layer, quickly; never a crash,
// a hang or a config that compiles into something slow.
func TestLoadConfigHostileLayers(t *testing.T) {
	rule := func(regex string) string {
		return "[[rules]]\nid = \"x\"\nkeywords = [\"x\"]\nregex = '''" + regex + "'''\n"
	}
	tests := []struct {
		name, toml, want string
	}{
		{"a regex nested past RE2's limit", rule(strings.Repeat("(", 2000) + "a" + strings.Repeat(")", 2000)), "bad regex"},
		{"a repetition past RE2's limit", rule("a{1001}"), "bad regex"},
		{"nested repetitions too large to compile", rule("((((a{1000}){1000}){1000}){1000})"), "bad regex"},
		{"a megabyte regex RE2 accepts loads, and scanning with it stays linear", rule(strings.Repeat("[a-z]", 200_000)), "OK"},
		{"an ambiguous regex loads, and scanning with it stays linear", rule("(x|x?)*(a|a?){50}(.*)*$"), "OK"},
		{"an invalid regex", rule("(?P<x"), "bad regex"},
		{"Perl lookaround RE2 does not have", rule("(?=secret)"), "bad regex"},
		{"a huge bad path glob", "[allowlist]\npaths = [\"" + strings.Repeat("[", 100_000) + "\"]\n", "glob"},
		{"binary garbage", "\x00\xff\xfe[[rules]]\x00", ""},
		{"deeply nested TOML arrays", "x = " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", ""},
		{"a number too large", "[[rules]]\nid = \"x\"\nregex = \"a\"\nsecretGroup = 99999999999999999999999\n", ""},
		{"a wrong type", "[[rules]]\nid = \"x\"\nregex = 5\n", ""},
		{"ten thousand rules", strings.Repeat("[[rules]]\nid = \"x\"\nregex = \"a\"\n", 10_000), "defined twice"},
	}
	for _, trusted := range []bool{true, false} {
		for _, tt := range tests {
			t.Run(map[bool]string{true: "--config: ", false: ".sfleak.toml: "}[trusted]+tt.name, func(t *testing.T) {
				const name = "repo/.sfleak.toml"
				start := time.Now()
				cfg, err := LoadConfig(builtinLayer(), ConfigLayer{Name: name, Data: []byte(tt.toml), Trusted: trusted})
				if d := time.Since(start); d > 30*time.Second {
					t.Errorf("took %v", d)
				}
				if tt.want == "OK" {
					if err != nil {
						t.Fatal(err)
					}
					e, err := NewEngine(cfg)
					if err != nil {
						t.Fatal(err)
					}
					data := []byte(strings.Repeat("x aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 4000))
					start = time.Now()
					e.Scan("a.py", data)
					if d := time.Since(start); d > 30*time.Second {
						t.Errorf("scanning %d bytes took %v", len(data), d)
					}
					return
				}
				if err == nil {
					t.Fatal("loaded")
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, name+": ") || strings.ContainsAny(msg, "\r\n") || !strings.Contains(msg, tt.want) {
					t.Errorf("error %q: want one line naming %s and containing %q", msg[:min(len(msg), 300)], name, tt.want)
				}
				if len(msg) > 1024 {
					t.Errorf("error of %d bytes", len(msg))
				}
			})
		}
	}
}
