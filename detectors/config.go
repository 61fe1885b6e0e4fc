package detectors

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// ConfigLayer is one TOML document merged into the configuration, in order: the built-in
// rules.toml, then --config, then a repository's .sfleak.toml. Name is used in errors.
// Allowlists from an untrusted layer (a scanned repository's own file) mark matches
// Suppressed instead of dropping them.
type ConfigLayer struct {
	Name    string
	Data    []byte
	Trusted bool
}

// RuleInfo describes one rule for `sfleak rules` and documentation.
type RuleInfo struct {
	ID, Severity, Description string
}

// Severities accepted in rule definitions, most severe first.
var severities = []string{"critical", "high", "medium", "low", "info"}

// rawConfig mirrors one TOML layer. Field names are the TOML keys (camelCase, as gitleaks).
type rawConfig struct {
	Rules     []rawRule    `toml:"rules"`
	Allowlist rawAllowlist `toml:"allowlist"`
}

// rawRule is one [[rules]] table. Pointers and nil slices distinguish "not set" from a zero
// value, so that a later layer overrides only what it names.
type rawRule struct {
	ID          string   `toml:"id"`
	Description *string  `toml:"description"`
	Severity    *string  `toml:"severity"`
	Keywords    []string `toml:"keywords"`
	// Regex finds candidates; SecretGroup picks the secret (default: 1 if the regex has a
	// group, else the whole match).
	Regex       *string  `toml:"regex"`
	SecretGroup *int     `toml:"secretGroup"`
	Entropy     *float64 `toml:"entropy"`
	// Path, a regex on the blob's path, limits the rule to matching paths.
	Path *string `toml:"path"`
	// Context: at least one of these lower-case words must occur in the blob or its path.
	Context []string `toml:"context"`
	// Exclude: a match whose line holds one of these lower-case words is dropped.
	Exclude []string `toml:"exclude"`
	// Window: lines before and after each keyword hit that the regex sees, capped at
	// WindowBytes either side of the hit.
	WindowBefore *int `toml:"windowBefore"`
	WindowAfter  *int `toml:"windowAfter"`
	WindowBytes  *int `toml:"windowBytes"`
	// Checks name Go-coded filters and enrichers (see checks in regexrule.go).
	Checks []string `toml:"checks"`
	// MinRun gates each window before the regex runs: it must hold a run of at least N
	// characters of a class ("hexupper:64", "digits:19"; any one suffices). A byte loop is
	// far cheaper than a regex over every line that names a keyword.
	MinRun []string `toml:"minRun"`
	// EscalateTo is the severity used instead when the blob holds one of EscalateWhen.
	EscalateTo   *string  `toml:"escalateTo"`
	EscalateWhen []string `toml:"escalateWhen"`
	// Subsumes lists rule IDs whose matches inside this rule's match are dropped (an SFDX
	// auth URL already reports the refresh token it carries).
	Subsumes  []string      `toml:"subsumes"`
	Disabled  *bool         `toml:"disabled"`
	Allowlist *rawAllowlist `toml:"allowlist"`
}

// rawAllowlist is [allowlist] or [rules.allowlist].
type rawAllowlist struct {
	Description string   `toml:"description"`
	Paths       []string `toml:"paths"`       // globs: **, *, ?; no slash = any directory
	Regexes     []string `toml:"regexes"`     // on RegexTarget
	RegexTarget string   `toml:"regexTarget"` // "secret" (default) or "line"
	Stopwords   []string `toml:"stopwords"`   // case-insensitive substrings of the secret
}

// Config is the compiled configuration: rules in a fixed order, global allowlists, and the
// layers it came from.
type Config struct {
	rules  []*Rule
	byID   map[string]*Rule
	global []*allowlist
	layers []ConfigLayer
}

// Rule is one compiled rule. Rules without a Regex are reported by structural detectors;
// their entry still carries severity, description and allowlists.
type Rule struct {
	ID                                     string
	Description                            string
	Severity                               string
	Keywords                               []string       // lower-case
	Regex                                  *regexp.Regexp // nil: structural rule
	SecretGroup                            int
	Entropy                                float64
	Path                                   *regexp.Regexp
	Context                                []string
	Exclude                                []string
	WindowBefore, WindowAfter, WindowBytes int
	Checks                                 []string
	MinRun                                 []runGate
	EscalateTo                             string
	EscalateWhen                           []string
	Subsumes                               []string
	// Disabled by a trusted layer: the rule does not run. DisabledBy names an untrusted
	// layer that tried: the rule runs and its matches are marked Suppressed.
	Disabled   bool
	DisabledBy string
	allowlists []*allowlist
	// origin is the layer that defined the rule, for errors found after merging.
	origin string
}

// allowlist is a compiled allowlist from one layer.
type allowlist struct {
	layer       string
	trusted     bool
	description string
	paths       []*regexp.Regexp
	// baseAny and pathAny are paths compiled for speed (both nil: use paths one by one):
	// globs without '/' or "**" as one alternation over the base name, the rest as one over
	// the whole path. The scanner asks about every distinct blob's path, and a backtracking
	// run per glob dominated whole scans (docs/performance.md).
	baseAny, pathAny *regexp.Regexp
	regexes          []*regexp.Regexp
	targetLine       bool
	stopwords        []string
}

// LoadConfig merges the layers in order and compiles them. A later layer's [[rules]] entry
// with an existing id overrides the fields it sets and adds its allowlist; a new id adds a
// custom rule. Untrusted layers may add rules and allowlists but cannot change or disable
// an existing rule's detection: such allowlists and disables only mark matches Suppressed.
// Errors are one line and name the layer and rule.
func LoadConfig(layers ...ConfigLayer) (*Config, error) {
	c := &Config{byID: map[string]*Rule{}, layers: append([]ConfigLayer(nil), layers...)}
	for _, l := range layers {
		if err := c.merge(l); err != nil {
			return nil, errors.New(capLine(err.Error(), 400))
		}
	}
	for _, r := range c.rules {
		if r.Severity == "" {
			r.Severity = "medium"
		}
		for _, id := range r.Subsumes {
			if _, ok := c.byID[id]; !ok {
				return nil, fmt.Errorf("%s: rule %q: subsumes unknown rule %q", r.origin, r.ID, id)
			}
		}
	}
	c.order()
	return c, nil
}

// order puts built-in rule IDs first in RuleIDs order, then custom rules as defined, so
// output never depends on map iteration or layer order.
func (c *Config) order() {
	builtin := map[string]int{}
	for i, id := range RuleIDs {
		builtin[id] = i
	}
	var head, tail []*Rule
	for _, id := range RuleIDs {
		if r, ok := c.byID[id]; ok {
			head = append(head, r)
		}
	}
	for _, r := range c.rules {
		if _, ok := builtin[r.ID]; !ok {
			tail = append(tail, r)
		}
	}
	c.rules = append(head, tail...)
}

var ruleIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

func (c *Config) merge(l ConfigLayer) error {
	var raw rawConfig
	md, err := toml.Decode(string(l.Data), &raw)
	if err != nil {
		return fmt.Errorf("%s: %s", l.Name, oneLineErr(err))
	}
	for _, k := range md.Undecoded() {
		// [scoring] belongs to the risk model (report/exposure); it is not ours to check.
		if len(k) > 0 && k[0] == "scoring" {
			continue
		}
		return fmt.Errorf("%s: unknown key %q", l.Name, k.String())
	}
	if a, err := compileAllowlist(l, &raw.Allowlist); err != nil {
		return fmt.Errorf("%s: allowlist: %w", l.Name, err)
	} else if a != nil {
		c.global = append(c.global, a)
	}
	seen := map[string]bool{}
	for i := range raw.Rules {
		rr := &raw.Rules[i]
		if rr.ID == "" {
			return fmt.Errorf("%s: rule #%d: missing id", l.Name, i+1)
		}
		if !ruleIDRE.MatchString(rr.ID) {
			return fmt.Errorf("%s: rule %q: id must be lower-case letters, digits, '.', '_' or '-'", l.Name, rr.ID)
		}
		if seen[rr.ID] {
			return fmt.Errorf("%s: rule %q: defined twice in one file", l.Name, rr.ID)
		}
		seen[rr.ID] = true
		r, exists := c.byID[rr.ID]
		if !exists {
			r = &Rule{ID: rr.ID, origin: l.Name, WindowBefore: 1, WindowAfter: 1, WindowBytes: 4096}
		}
		if err := applyRule(l, r, rr, exists); err != nil {
			return fmt.Errorf("%s: rule %q: %w", l.Name, rr.ID, err)
		}
		if !exists {
			if r.Regex == nil && !isBuiltin(r.ID) {
				return fmt.Errorf("%s: rule %q: a custom rule needs a regex", l.Name, rr.ID)
			}
			c.byID[r.ID] = r
			c.rules = append(c.rules, r)
		}
	}
	return nil
}

func isBuiltin(id string) bool {
	for _, b := range RuleIDs {
		if b == id {
			return true
		}
	}
	return false
}

// applyRule copies the fields rr sets onto r. An untrusted layer overriding an existing rule
// only adds its allowlist and may ask to disable it (which suppresses, never drops).
func applyRule(l ConfigLayer, r *Rule, rr *rawRule, exists bool) error {
	if rr.Allowlist != nil {
		a, err := compileAllowlist(l, rr.Allowlist)
		if err != nil {
			return fmt.Errorf("allowlist: %w", err)
		}
		if a != nil {
			r.allowlists = append(r.allowlists, a)
		}
	}
	if rr.Disabled != nil {
		switch {
		case l.Trusted:
			r.Disabled = *rr.Disabled
		case *rr.Disabled && exists:
			r.DisabledBy = l.Name
		}
	}
	if exists && !l.Trusted {
		return nil
	}
	if rr.Description != nil {
		r.Description = strings.TrimSpace(*rr.Description)
	}
	if rr.Severity != nil {
		s := strings.ToLower(strings.TrimSpace(*rr.Severity))
		if !validSeverity(s) {
			return fmt.Errorf("bad severity %q (want one of %s)", *rr.Severity, strings.Join(severities, ", "))
		}
		r.Severity = s
	}
	if rr.EscalateTo != nil {
		s := strings.ToLower(strings.TrimSpace(*rr.EscalateTo))
		if !validSeverity(s) {
			return fmt.Errorf("bad escalateTo %q (want one of %s)", *rr.EscalateTo, strings.Join(severities, ", "))
		}
		r.EscalateTo = s
	}
	if rr.EscalateWhen != nil {
		r.EscalateWhen = lowerAll(rr.EscalateWhen)
	}
	if rr.Keywords != nil {
		r.Keywords = nil
		for _, k := range lowerAll(rr.Keywords) {
			if k == "" {
				return errors.New("empty keyword")
			}
			r.Keywords = append(r.Keywords, k)
		}
	}
	if rr.Regex != nil {
		re, err := regexp.Compile(*rr.Regex)
		if err != nil {
			return fmt.Errorf("bad regex: %s", oneLineErr(err))
		}
		r.Regex = re
		r.SecretGroup = 0
		if re.NumSubexp() > 0 {
			r.SecretGroup = 1
		}
	}
	if rr.SecretGroup != nil {
		if r.Regex == nil {
			return errors.New("secretGroup without a regex")
		}
		if *rr.SecretGroup < 0 || *rr.SecretGroup > r.Regex.NumSubexp() {
			return fmt.Errorf("secretGroup %d out of range (the regex has %d groups)", *rr.SecretGroup, r.Regex.NumSubexp())
		}
		r.SecretGroup = *rr.SecretGroup
	}
	if rr.Entropy != nil {
		if *rr.Entropy < 0 || *rr.Entropy > 8 {
			return fmt.Errorf("entropy %v out of range 0..8 (bits per byte)", *rr.Entropy)
		}
		r.Entropy = *rr.Entropy
	}
	if rr.Path != nil {
		re, err := regexp.Compile(*rr.Path)
		if err != nil {
			return fmt.Errorf("bad path regex: %s", oneLineErr(err))
		}
		r.Path = re
	}
	if rr.Context != nil {
		r.Context = lowerAll(rr.Context)
	}
	if rr.Exclude != nil {
		r.Exclude = lowerAll(rr.Exclude)
	}
	for _, w := range []struct {
		name string
		src  *int
		dst  *int
		max  int
	}{
		{"windowBefore", rr.WindowBefore, &r.WindowBefore, 1000},
		{"windowAfter", rr.WindowAfter, &r.WindowAfter, 1000},
		{"windowBytes", rr.WindowBytes, &r.WindowBytes, 1 << 20},
	} {
		if w.src == nil {
			continue
		}
		if *w.src < 0 || *w.src > w.max {
			return fmt.Errorf("%s %d out of range 0..%d", w.name, *w.src, w.max)
		}
		*w.dst = *w.src
	}
	if rr.Checks != nil {
		for _, ch := range rr.Checks {
			if _, ok := checks[ch]; !ok {
				return fmt.Errorf("unknown check %q (want one of %s)", ch, strings.Join(checkNames(), ", "))
			}
		}
		r.Checks = append([]string(nil), rr.Checks...)
	}
	if rr.MinRun != nil {
		r.MinRun = nil
		for _, g := range rr.MinRun {
			rg, err := parseRunGate(g)
			if err != nil {
				return err
			}
			r.MinRun = append(r.MinRun, rg)
		}
	}
	if rr.Subsumes != nil {
		r.Subsumes = append([]string(nil), rr.Subsumes...)
	}
	if r.Regex != nil && r.WindowBytes > 0 && r.WindowBytes < 256 {
		return fmt.Errorf("windowBytes %d is shorter than the longest secret it must see (256)", r.WindowBytes)
	}
	return nil
}

func validSeverity(s string) bool {
	for _, v := range severities {
		if s == v {
			return true
		}
	}
	return false
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.ToLower(s))
	}
	return out
}

// compileAllowlist returns nil for an empty allowlist.
func compileAllowlist(l ConfigLayer, ra *rawAllowlist) (*allowlist, error) {
	if len(ra.Paths) == 0 && len(ra.Regexes) == 0 && len(ra.Stopwords) == 0 {
		return nil, nil
	}
	a := &allowlist{layer: l.Name, trusted: l.Trusted, description: ra.Description}
	for _, g := range ra.Paths {
		re, err := globToRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("bad path glob %q: %s", capLine(g, 80), oneLineErr(err))
		}
		a.paths = append(a.paths, re)
	}
	a.baseAny, a.pathAny = combineGlobs(ra.Paths, a.paths)
	for _, s := range ra.Regexes {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("bad regex: %s", oneLineErr(err))
		}
		a.regexes = append(a.regexes, re)
	}
	switch ra.RegexTarget {
	case "", "secret":
	case "line":
		a.targetLine = true
	default:
		return nil, fmt.Errorf("bad regexTarget %q (want secret or line)", ra.RegexTarget)
	}
	for _, w := range ra.Stopwords {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			a.stopwords = append(a.stopwords, w)
		}
	}
	return a, nil
}

// combineGlobs joins compiled globs into at most two regexps: base-name globs (no '/' at all,
// no "**": their regexp is "^(?:.*/)?X$" and X cannot cross a '/') matched against the base
// name, and the others against the whole path. It returns nils when there is nothing to gain
// or the joined expression does not compile (RE2's size limits, on huge configurations), so
// matchesPath falls back to one regexp per glob.
func combineGlobs(globs []string, res []*regexp.Regexp) (base, path *regexp.Regexp) {
	if len(res) < 2 {
		return nil, nil
	}
	var bases, paths []string
	for i, g := range globs {
		src := res[i].String()
		g = strings.TrimPrefix(strings.ReplaceAll(g, `\`, "/"), "./")
		if rest, ok := strings.CutPrefix(src, "^(?:.*/)?"); ok && !strings.Contains(g, "/") && !strings.Contains(g, "**") {
			bases = append(bases, strings.TrimSuffix(rest, "$"))
		} else {
			paths = append(paths, "(?:"+src+")")
		}
	}
	var err error
	if len(bases) > 0 {
		if base, err = regexp.Compile("^(?:" + strings.Join(bases, "|") + ")$"); err != nil {
			return nil, nil
		}
	}
	if len(paths) > 0 {
		if path, err = regexp.Compile(strings.Join(paths, "|")); err != nil {
			return nil, nil
		}
	}
	return base, path
}

// globToRegexp turns a path glob into an anchored regexp: ** crosses directories, * and ?
// do not, [..] is a class. A glob without '/' matches the base name in any directory.
func globToRegexp(g string) (*regexp.Regexp, error) {
	g = strings.TrimPrefix(strings.ReplaceAll(g, `\`, "/"), "./")
	if g == "" {
		return nil, errors.New("empty glob")
	}
	var b strings.Builder
	b.WriteString("^")
	if !strings.Contains(strings.TrimSuffix(g, "/"), "/") {
		b.WriteString("(?:.*/)?")
	}
	g = strings.TrimPrefix(g, "/")
	for i := 0; i < len(g); i++ {
		ch := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case ch == '*':
			b.WriteString("[^/]*")
		case ch == '?':
			b.WriteString("[^/]")
		case ch == '[':
			j := strings.IndexByte(g[i:], ']')
			if j < 0 {
				return nil, errors.New("unterminated [")
			}
			b.WriteString(g[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	if strings.HasSuffix(g, "/") {
		b.WriteString(".*")
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// oneLineErr flattens an error to one line and caps it: regexp and TOML errors quote the
// offending input, which may be long (or, in a scanned repository's file, a secret).
func oneLineErr(err error) string { return capLine(err.Error(), 200) }

func capLine(s string, maxLen int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Rules lists every rule (built-in first, in RuleIDs order, then custom rules) with its
// severity and description.
func (c *Config) Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(c.rules))
	for _, r := range c.rules {
		out = append(out, RuleInfo{ID: r.ID, Severity: r.Severity, Description: r.Description})
	}
	return out
}

// Rule returns the compiled rule with that id, or nil.
func (c *Config) Rule(id string) *Rule { return c.byID[id] }

// Layers returns the layers the configuration was merged from, in order.
func (c *Config) Layers() []ConfigLayer { return append([]ConfigLayer(nil), c.layers...) }

// normPath makes a blob path comparable with globs: forward slashes, no leading "./".
func normPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return strings.TrimPrefix(p, "/")
}
