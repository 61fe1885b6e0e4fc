package detectors

import (
	"bytes"
	"strings"
)

// inlineAllowMarker on a match's line or the line above marks the match Suppressed.
const inlineAllowMarker = "sfleak:allow"

// matchesPath reports whether any path glob of a matches path (normalised).
func (a *allowlist) matchesPath(p string) bool {
	if a.baseAny != nil || a.pathAny != nil {
		return a.baseAny != nil && a.baseAny.MatchString(p[strings.LastIndexByte(p, '/')+1:]) ||
			a.pathAny != nil && a.pathAny.MatchString(p)
	}
	for _, re := range a.paths {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// allows reports whether a covers the match m found at path in data (original bytes).
// Path globs, regexes and stopwords are alternatives: any one suffices.
func (a *allowlist) allows(m *Match, p string, data []byte, pathHit map[*allowlist]bool) bool {
	hit, ok := pathHit[a]
	if !ok {
		hit = a.matchesPath(p)
		pathHit[a] = hit
	}
	if hit {
		return true
	}
	for _, re := range a.regexes {
		if a.targetLine {
			ls, le := LineBounds(data, m.Start)
			if re.Match(data[ls:le]) {
				return true
			}
		} else if re.MatchString(m.Secret) {
			return true
		}
	}
	if len(a.stopwords) > 0 {
		low := strings.ToLower(m.Secret)
		for _, w := range a.stopwords {
			if strings.Contains(low, w) {
				return true
			}
		}
	}
	return false
}

// judge applies allowlists, disables and inline comments to m. It returns false when a
// trusted allowlist drops m; otherwise it may set m.Suppressed.
// pathHit caches each allowlist's path verdict for the blob being finished.
func (c *Config) judge(m *Match, p string, data []byte, pathHit map[*allowlist]bool) bool {
	r := c.byID[m.RuleID]
	lists := c.global
	if r != nil {
		if r.Disabled {
			return false
		}
		if r.DisabledBy != "" {
			m.Suppressed = "rule disabled by " + r.DisabledBy
		}
		lists = append(lists[:len(lists):len(lists)], r.allowlists...)
	}
	for _, a := range lists {
		if !a.allows(m, p, data, pathHit) {
			continue
		}
		if a.trusted {
			return false
		}
		if m.Suppressed == "" {
			m.Suppressed = "allowlisted by " + a.layer
		}
	}
	if m.Suppressed == "" && inlineAllowed(data, m.Start) {
		m.Suppressed = "inline " + inlineAllowMarker
	}
	return true
}

// inlineAllowed reports whether the line holding off, or the line above it, carries the
// sfleak:allow marker.
func inlineAllowed(data []byte, off int) bool {
	ls, le := LineBounds(data, off)
	if bytes.Contains(data[ls:le], []byte(inlineAllowMarker)) {
		return true
	}
	if ls == 0 {
		return false
	}
	ps, pe := LineBounds(data, ls-1)
	return bytes.Contains(data[ps:pe], []byte(inlineAllowMarker))
}

// skipPath reports whether a trusted global allowlist excludes the path entirely.
func (c *Config) skipPath(p string) bool {
	p = normPath(p)
	for _, a := range c.global {
		if a.trusted && a.matchesPath(p) {
			return true
		}
	}
	return false
}
