package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors"
)

func runRulesCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := run(context.Background(), append([]string{"rules"}, args...), e)
	return code, out.String(), errb.String()
}

func TestRulesCommand(t *testing.T) {
	t.Run("lists every built-in rule with its severity", func(t *testing.T) {
		code, out, _ := runRulesCmd(t)
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		for _, id := range detectors.RuleIDs {
			if !strings.Contains(out, id+" ") {
				t.Errorf("output lacks %s:\n%s", id, out)
			}
		}
	})
	t.Run("json lists rules in order", func(t *testing.T) {
		code, out, _ := runRulesCmd(t, "--format", "json")
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		var rows []struct{ ID, Severity, Description string }
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(detectors.RuleIDs) || rows[0].ID != detectors.RuleIDs[0] {
			t.Errorf("rows %+v", rows)
		}
	})
	t.Run("a custom rule from --config is listed", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "extra.toml")
		os.WriteFile(p, []byte("[[rules]]\nid = \"acme-token\"\ndescription = \"ACME\"\nseverity = \"low\"\nregex = \"acme_[a-z]{8}\"\n"), 0o600)
		code, out, _ := runRulesCmd(t, "--config", p)
		if code != exitOK || !strings.Contains(out, "acme-token") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})
	t.Run("a broken --config is a one-line error naming it", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "bad.toml")
		os.WriteFile(p, []byte("[[rules]]\nid = \"x\"\nregex = \"(\"\n"), 0o600)
		code, _, errOut := runRulesCmd(t, "--config", p)
		if code != exitError || !strings.Contains(errOut, p) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("arguments are a usage error", func(t *testing.T) {
		if code, _, _ := runRulesCmd(t, "extra"); code != exitError {
			t.Fatalf("exit %d", code)
		}
	})
}
