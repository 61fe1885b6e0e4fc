package detectors

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	sfleak "github.com/sfleak/sfleak"
	"github.com/sfleak/sfleak/detectors/fakecred"
)

// builtinLayer is the embedded rules.toml as the CLI passes it.
func builtinLayer() ConfigLayer {
	return ConfigLayer{Name: "rules.toml", Data: sfleak.RulesTOML, Trusted: true}
}

// newTestEngine builds an engine from the built-in rules plus extra layers.
func newTestEngine(t testing.TB, extra ...ConfigLayer) *Engine {
	t.Helper()
	cfg, err := LoadConfig(append([]ConfigLayer{builtinLayer()}, extra...)...)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// ofRule keeps the matches of one rule.
func ofRule(ms []Match, rule string) []Match {
	var out []Match
	for _, m := range ms {
		if m.RuleID == rule {
			out = append(out, m)
		}
	}
	return out
}

func TestInlineAllowSuppresses(t *testing.T) {
	e := newTestEngine(t)
	tok := fakecred.AccessToken("inline")
	cases := []struct {
		name       string
		src        string
		suppressed bool
	}{
		{"a marker on the same line suppresses", "tok = '" + tok + "' # sfleak:allow\n", true},
		{"a marker on the line above suppresses", "// sfleak:allow test fixture\ntok = '" + tok + "'\n", true},
		{"a marker two lines above does not", "// sfleak:allow\n\ntok = '" + tok + "'\n", false},
		{"no marker: reported plainly", "tok = '" + tok + "'\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := ofRule(e.Scan("x.py", []byte(c.src)), RuleAccessToken)
			if len(ms) != 1 {
				t.Fatalf("got %d matches, want 1", len(ms))
			}
			if got := ms[0].Suppressed != ""; got != c.suppressed {
				t.Errorf("suppressed = %q, want suppressed=%v", ms[0].Suppressed, c.suppressed)
			}
		})
	}
}

func TestTrustedAndUntrustedAllowlists(t *testing.T) {
	tok := fakecred.AccessToken("allow")
	src := []byte("tok = '" + tok + "'\n")
	allow := []byte(`
[allowlist]
paths = ["fixtures/**"]
stopwords = ["` + strings.ToLower(tok[20:30]) + `"]
`)
	cases := []struct {
		name           string
		trusted        bool
		path           string
		wantMatches    int
		wantSuppressed bool
		wantSkip       bool
	}{
		{"a trusted path allowlist skips the file", true, "fixtures/a.py", 0, false, true},
		{"a trusted stopword drops the match", true, "src/a.py", 0, false, false},
		{"an untrusted path allowlist only suppresses", false, "fixtures/a.py", 1, true, false},
		{"an untrusted stopword only suppresses", false, "src/a.py", 1, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEngine(t, ConfigLayer{Name: ".sfleak.toml", Data: allow, Trusted: c.trusted})
			if got := e.SkipPath(c.path); got != c.wantSkip {
				t.Errorf("SkipPath(%q) = %v, want %v", c.path, got, c.wantSkip)
			}
			ms := ofRule(e.Scan(c.path, src), RuleAccessToken)
			if len(ms) != c.wantMatches {
				t.Fatalf("got %d matches, want %d", len(ms), c.wantMatches)
			}
			if len(ms) == 1 && (ms[0].Suppressed != "") != c.wantSuppressed {
				t.Errorf("Suppressed = %q, want suppressed=%v", ms[0].Suppressed, c.wantSuppressed)
			}
			if c.wantSuppressed && len(ms) == 1 && !strings.Contains(ms[0].Suppressed, ".sfleak.toml") {
				t.Errorf("Suppressed = %q, want it to name the layer", ms[0].Suppressed)
			}
		})
	}
}

func TestUntrustedLayerCannotWeakenRules(t *testing.T) {
	tok := fakecred.AccessToken("weaken")
	src := []byte("tok = '" + tok + "'\n")
	layer := []byte(`
[[rules]]
id = "sf-access-token"
severity = "info"
regex = '''never-matches-anything'''
disabled = true
`)
	cases := []struct {
		name           string
		trusted        bool
		wantMatches    int
		wantSeverity   string
		wantSuppressed bool
	}{
		{"an untrusted override keeps detection and marks the match suppressed", false, 1, "critical", true},
		{"a trusted layer may disable the rule", true, 0, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEngine(t, ConfigLayer{Name: ".sfleak.toml", Data: layer, Trusted: c.trusted})
			ms := ofRule(e.Scan("a.py", src), RuleAccessToken)
			if len(ms) != c.wantMatches {
				t.Fatalf("got %d matches, want %d", len(ms), c.wantMatches)
			}
			if len(ms) == 1 {
				if ms[0].Severity != c.wantSeverity {
					t.Errorf("severity %q, want %q", ms[0].Severity, c.wantSeverity)
				}
				if (ms[0].Suppressed != "") != c.wantSuppressed {
					t.Errorf("Suppressed = %q, want suppressed=%v", ms[0].Suppressed, c.wantSuppressed)
				}
			}
		})
	}
}

func TestTrustedOverrideChangesSeverity(t *testing.T) {
	e := newTestEngine(t, ConfigLayer{Name: "extra.toml", Trusted: true, Data: []byte(`
[[rules]]
id = "sf-consumer-key"
severity = "low"
escalateTo = "low"
`)})
	ms := ofRule(e.Scan("a.env", []byte("SF_CONSUMER_KEY="+fakecred.ConsumerKey("sev")+"\n")), RuleConsumerKey)
	if len(ms) != 1 || ms[0].Severity != "low" {
		t.Fatalf("got %+v, want one low match", ms)
	}
}

func TestCustomRuleAddsFindings(t *testing.T) {
	e := newTestEngine(t, ConfigLayer{Name: "custom.toml", Trusted: false, Data: []byte(`
[[rules]]
id = "acme-internal-token"
description = "ACME internal token"
severity = "high"
keywords = ["acmetok_"]
regex = '''\b(acmetok_[a-z0-9]{16})\b'''
`)})
	ms := ofRule(e.Scan("a.txt", []byte("x = acmetok_0a1b2c3d4e5f6a7b\n")), "acme-internal-token")
	if len(ms) != 1 || ms[0].Secret != "acmetok_0a1b2c3d4e5f6a7b" || ms[0].Severity != "high" {
		t.Fatalf("got %+v", ms)
	}
}

func TestSFDXURLSubsumesItsParts(t *testing.T) {
	e := newTestEngine(t)
	u := fakecred.SFDXAuthURL("sub", fakecred.ConsumerKey("sub"), fakecred.ConsumerSecret("sub"), "acme.my.salesforce.com")
	ms := e.Scan("auth.txt", []byte(u+"\n"))
	if len(ms) != 1 || ms[0].RuleID != RuleSFDXAuthURL {
		t.Fatalf("got %+v, want only the SFDX URL", ms)
	}
	if ms[0].Host != "acme.my.salesforce.com" || ms[0].ConsumerKey != fakecred.ConsumerKey("sub") {
		t.Errorf("host %q key %q", ms[0].Host, ms[0].ConsumerKey)
	}
}

// dupDetector reports a fixed match, to check the engine's dedupe.
type dupDetector struct{ m Match }

func (d dupDetector) Name() string                  { return "dup" }
func (d dupDetector) Keywords() []string            { return nil }
func (d dupDetector) Detect(string, []byte) []Match { return []Match{d.m} }

func TestDuplicateMatchesMerge(t *testing.T) {
	e := newTestEngine(t)
	tok := fakecred.AccessToken("dup")
	src := []byte("tok = '" + tok + "'\n")
	e.structural = append(e.structural, dupDetector{Match{RuleID: RuleAccessToken, Start: 7, End: 7 + len(tok), Secret: tok, Username: "u@example.com"}})
	e.pf = newPrefilter(append(regexKeywords(e), structKeywords(e)...))
	n := len(e.regex) + len(e.structural)
	e.pool.New = func() any { return &scratch{hits: make([][]int, n), ran: make([]bool, n)} }
	ms := ofRule(e.Scan("a.py", src), RuleAccessToken)
	if len(ms) != 1 {
		t.Fatalf("got %d matches, want 1 after dedupe", len(ms))
	}
	if ms[0].Username != "u@example.com" || ms[0].Severity != "critical" {
		t.Errorf("merged match lost context: %+v", ms[0])
	}
}

func regexKeywords(e *Engine) [][]string {
	var kw [][]string
	for _, r := range e.regex {
		kw = append(kw, r.r.Keywords)
	}
	return kw
}

func structKeywords(e *Engine) [][]string {
	var kw [][]string
	for _, d := range e.structural {
		kw = append(kw, d.Keywords())
	}
	return kw
}

func TestNotebookLineAndColumn(t *testing.T) {
	e := newTestEngine(t)
	key, sec := fakecred.ConsumerKey("nb"), fakecred.ConsumerSecret("nb")
	nb := `{
 "cells": [
  {
   "cell_type": "code",
   "metadata": {},
   "source": [
    "from simple_salesforce import Salesforce\n",
    "sf = Salesforce(consumer_key=\"` + key + `\",\n",
    "                consumer_secret=\"` + sec + `\",\n",
    "                domain=\"acme.my\")\n"
   ]
  }
 ],
 "nbformat": 4
}
`
	data := []byte(nb)
	ms := e.Scan("analysis/sync.ipynb", data)
	for _, want := range []struct {
		rule, secret string
		line         int
	}{
		{RuleConsumerKey, key, 8},
		{RuleConsumerSecret, sec, 9},
	} {
		got := ofRule(ms, want.rule)
		if len(got) != 1 {
			t.Fatalf("%s: got %d matches, want 1 (all: %+v)", want.rule, len(got), ms)
		}
		m := got[0]
		if string(data[m.Start:m.End]) != want.secret {
			t.Errorf("%s: offsets [%d,%d) hold %q, want the secret", want.rule, m.Start, m.End, data[m.Start:m.End])
		}
		line := bytes.Count(data[:m.Start], []byte("\n")) + 1
		col := m.Start - (bytes.LastIndexByte(data[:m.Start], '\n') + 1) + 1
		wantCol := bytes.Index(data, []byte(want.secret)) - (bytes.LastIndexByte(data[:bytes.Index(data, []byte(want.secret))], '\n') + 1) + 1
		if line != want.line || col != wantCol {
			t.Errorf("%s: line %d col %d, want line %d col %d", want.rule, line, col, want.line, wantCol)
		}
	}
}

func TestScanIsSafeForConcurrentUse(t *testing.T) {
	e := newTestEngine(t)
	blobs := [][]byte{
		[]byte("tok = '" + fakecred.AccessToken("c1") + "'\n"),
		[]byte(`{"cells":[{"source":["x = \"` + fakecred.RefreshToken("c2") + `\"\n"]}]}`),
		[]byte("SF_CONSUMER_KEY=" + fakecred.ConsumerKey("c3") + "\n"),
	}
	want := make([]int, len(blobs))
	for i, b := range blobs {
		want[i] = len(e.Scan("a.ipynb", b))
		if want[i] == 0 {
			t.Fatalf("blob %d: no match", i)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(blobs)
				if n := len(e.Scan("a.ipynb", blobs[k])); n != want[k] {
					errs <- fmt.Sprintf("blob %d: %d matches, want %d", k, n, want[k])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRulesListsBuiltinsInOrder(t *testing.T) {
	cfg, err := LoadConfig(builtinLayer())
	if err != nil {
		t.Fatal(err)
	}
	rules := cfg.Rules()
	if len(rules) != len(RuleIDs) {
		t.Fatalf("got %d rules, want %d", len(rules), len(RuleIDs))
	}
	for i, r := range rules {
		if r.ID != RuleIDs[i] || r.Severity == "" || r.Description == "" {
			t.Errorf("rule %d = %+v, want id %s with severity and description", i, r, RuleIDs[i])
		}
	}
}
