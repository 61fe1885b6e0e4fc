package report

import (
	"fmt"
	"strings"
)

// levels lists the severities in --fail-on order, least severe first.
var levels = []string{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// ParseLevel checks a --fail-on value and returns its canonical (lower-case) name.
func ParseLevel(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if Rank(l) == 0 {
		return "", fmt.Errorf("unknown level %q (want one of %s)", s, strings.Join(levels, ", "))
	}
	return l, nil
}

// AtOrAbove reports whether any finding or exposure that is not suppressed has a severity at
// or above level (--fail-on). A finding counts unless it is suppressed; an exposure counts
// unless every finding it names is suppressed. An unknown level counts as info, the strictest,
// so that a typo fails a CI job instead of silently passing it (ParseLevel rejects it first).
func AtOrAbove(r *Report, level string) bool {
	if r == nil {
		return false
	}
	min := Rank(strings.ToLower(level))
	if min == 0 {
		min = Rank(SeverityInfo)
	}
	suppressed := make(map[string]bool)
	for _, f := range r.Findings {
		if f.Suppressed {
			suppressed[f.ID] = true
			suppressed[f.Fingerprint] = true
			continue
		}
		if Rank(f.Severity) >= min {
			return true
		}
	}
	for _, e := range r.Exposures {
		if Rank(e.Severity) < min {
			continue
		}
		hidden := len(e.Findings) > 0
		for _, id := range e.Findings {
			if !suppressed[id] {
				hidden = false
				break
			}
		}
		if !hidden {
			return true
		}
	}
	return false
}
