package detectors

import (
	"fmt"
	"sort"
	"sync"
)

// Engine runs every detector over blobs: one keyword prefilter pass, then the regex rules on
// windows around their hits and the structural detectors whose keywords occurred. It holds
// no per-scan state, so one Engine serves all workers.
type Engine struct {
	cfg        *Config
	regex      []*regexRule
	structural []Detector
	pf         *prefilter
	subsumes   map[string][]string
	pool       sync.Pool // *scratch
	noShare    bool      // tests: every detector through Detect (the reference path)
}

// sharedDetector is a structural detector that can work from the engine's shared per-blob
// analysis; Detect(path, data) must find exactly the same matches.
type sharedDetector interface {
	detectShared(sh *stShared) []Match
}

// scratch is the per-scan working memory, reused through a sync.Pool.
type scratch struct {
	lower []byte
	view  []byte
	offs  []int32
	hits  [][]int
	ran   []bool
}

// NewEngine compiles the configuration's regex rules and adds the structural detectors.
func NewEngine(cfg *Config) (*Engine, error) {
	if cfg == nil {
		return nil, fmt.Errorf("detectors: nil config")
	}
	e := &Engine{cfg: cfg, subsumes: map[string][]string{}}
	var kw [][]string
	for _, r := range cfg.rules {
		if len(r.Subsumes) > 0 {
			e.subsumes[r.ID] = r.Subsumes
		}
		if r.Regex == nil || r.Disabled {
			continue
		}
		e.regex = append(e.regex, &regexRule{r: r})
		kw = append(kw, r.Keywords)
	}
	e.structural = structuralDetectors(cfg)
	for _, d := range e.structural {
		kw = append(kw, lowerAll(d.Keywords()))
	}
	e.pf = newPrefilter(kw)
	n := len(kw)
	e.pool.New = func() any { return &scratch{hits: make([][]int, n), ran: make([]bool, n)} }
	return e, nil
}

// Detectors returns the engine's detectors (regex rules first), for benchmarks and tests.
func (e *Engine) Detectors() []Detector {
	out := make([]Detector, 0, len(e.regex)+len(e.structural))
	for _, r := range e.regex {
		out = append(out, r)
	}
	return append(out, e.structural...)
}

// SkipPath reports whether a trusted path allowlist (rules.toml or --config) says the file
// need not be read at all.
func (e *Engine) SkipPath(path string) bool { return e.cfg.skipPath(path) }

// Scan returns the matches in one blob, sorted by offset, with offsets into data (also when
// the blob was scanned through its JSON-decoded view). Trusted allowlists drop matches;
// untrusted ones and inline sfleak:allow comments set Suppressed. Safe for concurrent use.
func (e *Engine) Scan(path string, data []byte) []Match {
	if len(data) == 0 {
		return nil
	}
	sc := e.pool.Get().(*scratch)
	defer e.pool.Put(sc)

	view, offs := data, []int32(nil)
	if looksJSONEscaped(path, data) {
		sc.view, sc.offs = decodeJSONEscapes(data, sc.view, sc.offs)
		view, offs = sc.view, sc.offs
	}
	sc.lower = lowerASCII(sc.lower, view)
	e.pf.scan(sc.lower, sc.hits, sc.ran)

	var out []Match
	b := blobCtx{view: view, lower: sc.lower, path: path}
	for i, rr := range e.regex {
		if !sc.ran[i] || !rr.pathOK(path) {
			continue
		}
		b.resetRule()
		if len(rr.r.Keywords) == 0 {
			out = rr.findIn(&b, 0, len(view), out)
			continue
		}
		out = rr.scanWindows(&b, sc.hits[i], out)
	}
	// The structural detectors that run share one analysis of the blob (lower-cased copy,
	// evidence, key runs, position indexes), built from the prefilter's lower-cased copy.
	var sh *stShared
	for j, d := range e.structural {
		if !sc.ran[len(e.regex)+j] {
			continue
		}
		if sd, ok := d.(sharedDetector); ok && !e.noShare {
			if sh == nil {
				sh = newStShared(path, view, sc.lower)
			}
			out = append(out, sd.detectShared(sh)...)
			continue
		}
		out = append(out, d.Detect(path, view)...)
	}
	if len(out) == 0 {
		return nil
	}
	return e.finish(path, data, offs, out)
}

// finish maps offsets back to data, fills rule defaults, drops subsumed and allowlisted
// matches, marks suppressed ones, and removes duplicates.
func (e *Engine) finish(path string, data []byte, offs []int32, ms []Match) []Match {
	ms = e.dropSubsumed(ms)
	p := normPath(path)
	pathHit := map[*allowlist]bool{}
	out := ms[:0]
	for _, m := range ms {
		if offs != nil {
			m.Start, m.End = mapOffset(offs, m.Start), mapOffset(offs, m.End)
		}
		m.Start = min(max(m.Start, 0), len(data))
		m.End = min(max(m.End, m.Start), len(data))
		if r := e.cfg.byID[m.RuleID]; r != nil {
			if m.Severity == "" {
				m.Severity = r.Severity
			}
			if m.Description == "" {
				m.Description = r.Description
			}
		}
		if !e.cfg.judge(&m, p, data, pathHit) {
			continue
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].RuleID < out[j].RuleID
	})
	// Dedupe same rule at the same offset from different detectors, keeping the union of
	// their context fields.
	w := 0
	for i := range out {
		if w > 0 && out[w-1].RuleID == out[i].RuleID && out[w-1].Start == out[i].Start {
			mergeMatch(&out[w-1], &out[i])
			continue
		}
		out[w] = out[i]
		w++
	}
	if w == 0 {
		return nil
	}
	return out[:w]
}

func mergeMatch(dst, src *Match) {
	if dst.Host == "" {
		dst.Host = src.Host
	}
	if dst.Username == "" {
		dst.Username = src.Username
	}
	if dst.ConsumerKey == "" {
		dst.ConsumerKey = src.ConsumerKey
	}
	if dst.End < src.End {
		dst.End = src.End
	}
	if len(src.Secret) > len(dst.Secret) {
		dst.Secret = src.Secret
	}
	if severityRank(src.Severity) > severityRank(dst.Severity) {
		dst.Severity = src.Severity
	}
	// A literal anywhere beats an environment lookup.
	dst.FromEnv = dst.FromEnv && src.FromEnv
	if dst.Suppressed != "" && src.Suppressed == "" {
		dst.Suppressed = ""
	}
}

func severityRank(s string) int {
	for i, v := range severities {
		if s == v {
			return len(severities) - i
		}
	}
	return 0
}

// dropSubsumed removes matches of rule B lying inside a match of rule A when A subsumes B
// (an SFDX auth URL already reports the key and refresh token it carries).
func (e *Engine) dropSubsumed(ms []Match) []Match {
	if len(e.subsumes) == 0 || len(ms) < 2 {
		return ms
	}
	drop := make([]bool, len(ms))
	any := false
	for i := range ms {
		sub := e.subsumes[ms[i].RuleID]
		if len(sub) == 0 {
			continue
		}
		for j := range ms {
			if i == j || drop[j] || ms[j].Start < ms[i].Start || ms[j].End > ms[i].End {
				continue
			}
			for _, id := range sub {
				if ms[j].RuleID == id {
					drop[j], any = true, true
				}
			}
		}
	}
	if !any {
		return ms
	}
	out := ms[:0]
	for i, m := range ms {
		if !drop[i] {
			out = append(out, m)
		}
	}
	return out
}
