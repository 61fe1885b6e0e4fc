package detectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// Each file under testdata/config/invalid starts with "# want: <substring of the error>".
func TestInvalidConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/config/invalid/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid configs: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				t.Fatalf("%s: first line must be '# want: …'", f)
			}
			_, err = LoadConfig(builtinLayer(), ConfigLayer{Name: name, Data: data, Trusted: true})
			if err == nil {
				t.Fatalf("LoadConfig succeeded, want an error containing %q", want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, name+": ") {
				t.Errorf("error %q does not start with the layer name", msg)
			}
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestValidConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/config/valid/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid configs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, trusted := range []bool{true, false} {
				cfg, err := LoadConfig(builtinLayer(), ConfigLayer{Name: filepath.Base(f), Data: data, Trusted: trusted})
				if err != nil {
					t.Fatalf("trusted=%v: %v", trusted, err)
				}
				if _, err := NewEngine(cfg); err != nil {
					t.Fatalf("trusted=%v: NewEngine: %v", trusted, err)
				}
				if len(cfg.Layers()) != 2 {
					t.Errorf("Layers() = %d, want 2", len(cfg.Layers()))
				}
			}
		})
	}
}

func TestValidConfigEffects(t *testing.T) {
	read := func(name string) ConfigLayer {
		data, err := os.ReadFile(filepath.Join("testdata/config/valid", name))
		if err != nil {
			t.Fatal(err)
		}
		return ConfigLayer{Name: name, Data: data, Trusted: true}
	}
	t.Run("a custom rule is listed after the built-in rules", func(t *testing.T) {
		cfg, err := LoadConfig(builtinLayer(), read("custom_rule.toml"))
		if err != nil {
			t.Fatal(err)
		}
		rules := cfg.Rules()
		if last := rules[len(rules)-1]; last.ID != "acme-internal-token" || last.Severity != "high" {
			t.Errorf("last rule %+v", last)
		}
		if rules[0].ID != RuleConsumerKey {
			t.Errorf("first rule %s, want %s", rules[0].ID, RuleConsumerKey)
		}
	})
	t.Run("an override changes only the fields it sets", func(t *testing.T) {
		cfg, err := LoadConfig(builtinLayer(), read("override_severity.toml"))
		if err != nil {
			t.Fatal(err)
		}
		r := cfg.Rule(RuleConsumerKey)
		if r.Severity != "high" || r.Regex == nil || len(r.Keywords) == 0 || r.Description == "" {
			t.Errorf("rule after override: %+v", r)
		}
	})
	t.Run("a global path allowlist skips vendored files", func(t *testing.T) {
		e := newTestEngine(t, read("global_allowlist.toml"))
		for p, want := range map[string]bool{
			"vendor/x/y.go": true, "a/testdata/b.txt": true, "web/app.min.js": true,
			"src/app.js": false, "vendorized/x.go": false, "go.sum": true,
		} {
			if got := e.SkipPath(p); got != want {
				t.Errorf("SkipPath(%q) = %v, want %v", p, got, want)
			}
		}
	})
	t.Run("a per-rule line allowlist drops only that rule", func(t *testing.T) {
		e := newTestEngine(t, read("rule_allowlist.toml"))
		src := "SALESFORCE_CLIENT_SECRET=" + fakecred.ConsumerSecret("ra") + " # sandbox-only\nSF_ACCESS_TOKEN=" + fakecred.AccessToken("ra") + " # sandbox-only\n"
		ms := e.Scan(".env", []byte(src))
		if len(ofRule(ms, RuleConsumerSecret)) != 0 || len(ofRule(ms, RuleAccessToken)) != 1 {
			t.Errorf("got %+v", ms)
		}
	})
	t.Run("a trusted disable removes the rule's matches", func(t *testing.T) {
		e := newTestEngine(t, read("disable_rule.toml"))
		ms := e.Scan("server.key", []byte(fakecred.PrivateKeyPEM("dis")))
		if len(ofRule(ms, RuleJWTPrivateKey)) != 0 {
			t.Errorf("got %+v", ms)
		}
	})
}

func TestGlobs(t *testing.T) {
	cases := []struct {
		glob, path string
		want       bool
	}{
		{"*.sha256", "dist/cli.sha256", true},
		{"*.sha256", "cli.sha256.txt", false},
		{"vendor/**", "vendor/a/b.go", true},
		{"vendor/**", "src/vendor/a.go", false},
		{"**/vendor/**", "src/vendor/a.go", true},
		{"docs/*.md", "docs/a.md", true},
		{"docs/*.md", "docs/x/a.md", false},
		{"fixtures/", "fixtures/a/b", true},
		{"file?.txt", "file1.txt", true},
		{"[ab].txt", "c.txt", false},
	}
	for _, c := range cases {
		re, err := globToRegexp(c.glob)
		if err != nil {
			t.Fatalf("%s: %v", c.glob, err)
		}
		if got := re.MatchString(normPath(c.path)); got != c.want {
			t.Errorf("glob %q on %q = %v, want %v", c.glob, c.path, got, c.want)
		}
	}
}
