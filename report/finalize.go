package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// ToolName is the name every report carries in tool.name.
const ToolName = "sfleak"

// redactedSuffix is what Redact appends; a value that ends with it is not redacted twice.
const redactedSuffix = "…REDACTED"

// FinalizeOptions controls Finalize.
type FinalizeOptions struct {
	// NoRedact keeps secrets in full (--no-redact). Never the default.
	NoRedact bool
	// ToolVersion goes into tool.version; empty keeps what the report already says.
	ToolVersion string
}

// Finalize turns a report assembled by the scanner and the exposure pass into the document
// the writers render. It is deterministic (the same findings in any order give the same
// bytes) and idempotent (finalising a finalised or merged report changes nothing else):
//
//   - findings are sorted by severity (worst first), repository, path, line, column, rule,
//     then fingerprint and commit so that no two orders are possible, and numbered F1, F2…;
//   - Secret becomes Redact(Raw), or Raw with NoRedact; ConsumerKey likewise from RawKey.
//     A finding loaded from JSON (no Raw) keeps its Secret, redacted unless NoRedact;
//   - exposures refer to findings by fingerprint before Finalize (the exposure pass cannot know
//     the final IDs). A reference that equals a finding's current ID is accepted too, so that a
//     second Finalize, or one after a merge, maps F-ids to the new F-ids. Every reference is
//     rewritten to the F-ids of the findings it names (one fingerprint can name several
//     findings: the same secret twice in one file); references to no finding are dropped;
//   - exposures are sorted by risk score (highest first), severity, then the first finding
//     they name, and numbered E1, E2…; an exposure's consumer key is redacted unless NoRedact;
//   - every list the JSON contract prints is non-nil, so JSON shows [] rather than null;
//   - error messages have every raw secret of the report replaced by its redacted form.
//
// Call Baseline.Filter and ApplyIgnore before Finalize, so that IDs have no gaps.
func Finalize(r *Report, o FinalizeOptions) {
	r.Tool.Name = ToolName
	if o.ToolVersion != "" {
		r.Tool.Version = o.ToolVersion
	}
	hide := func(raw, shown string) string {
		if raw == "" {
			raw = shown
		}
		if o.NoRedact || raw == "" || strings.HasSuffix(raw, redactedSuffix) {
			return raw
		}
		return Redact(raw)
	}

	// Remember how exposures may name a finding before IDs change.
	oldID := make(map[string][]int)
	byFP := make(map[string][]int)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Secret = hide(f.Raw, f.Secret)
		f.ConsumerKey = hide(f.RawKey, f.ConsumerKey)
		f.Refs = nonNil(f.Refs)
	}
	slices.SortStableFunc(r.Findings, compareFindings)
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.ID != "" {
			oldID[f.ID] = append(oldID[f.ID], i)
		}
		if f.Fingerprint != "" {
			byFP[f.Fingerprint] = append(byFP[f.Fingerprint], i)
		}
	}
	for i := range r.Findings {
		r.Findings[i].ID = "F" + strconv.Itoa(i+1)
	}

	for i := range r.Exposures {
		e := &r.Exposures[i]
		idx := []int{}
		for _, ref := range e.Findings {
			hits, ok := byFP[ref]
			if !ok {
				hits = oldID[ref]
			}
			idx = append(idx, hits...)
		}
		slices.Sort(idx)
		idx = slices.Compact(idx)
		refs := make([]string, len(idx))
		for j, k := range idx {
			refs[j] = r.Findings[k].ID
		}
		e.Findings = refs
		e.ConsumerKey = hide("", e.ConsumerKey)
		e.Permissions = nonNil(e.Permissions)
		e.Mitigations = nonNil(e.Mitigations)
		e.Steps = nonNil(e.Steps)
		e.Remediation = nonNil(e.Remediation)
		e.Locations = nonNil(e.Locations)
		slices.SortStableFunc(e.Locations, func(a, b Location) int {
			return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Path, b.Path),
				cmp.Compare(a.Line, b.Line), cmp.Compare(a.Commit, b.Commit))
		})
	}
	slices.SortStableFunc(r.Exposures, func(a, b Exposure) int {
		return cmp.Or(
			cmp.Compare(b.RiskScore, a.RiskScore),
			cmp.Compare(Rank(b.Severity), Rank(a.Severity)),
			cmp.Compare(firstFinding(a), firstFinding(b)),
			cmp.Compare(deref(a.ConnectedApp), deref(b.ConnectedApp)),
			cmp.Compare(a.ConsumerKey, b.ConsumerKey),
		)
	})
	for i := range r.Exposures {
		r.Exposures[i].ID = "E" + strconv.Itoa(i+1)
	}

	if r.Incident != nil {
		in := r.Incident
		in.Secret = hide("", in.Secret)
		in.Occurrences = nonNil(in.Occurrences)
		for i := range in.Occurrences {
			in.Occurrences[i].Refs = nonNil(in.Occurrences[i].Refs)
		}
		in.Checklist = nonNil(in.Checklist)
	}

	r.Findings = nonNil(r.Findings)
	r.Exposures = nonNil(r.Exposures)
	r.Errors = nonNil(r.Errors)
	if !o.NoRedact {
		var raws []string
		for _, f := range r.Findings {
			raws = append(raws, f.Raw, f.RawKey)
		}
		for i := range r.Errors {
			r.Errors[i].Message = RedactIn(r.Errors[i].Message, raws...)
			r.Errors[i].Source = RedactIn(r.Errors[i].Source, raws...)
		}
	}
}

// compareFindings is the report order: worst first, then by place, then anything left that
// tells two findings apart (so the order never depends on the input order).
func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(Rank(b.Severity), Rank(a.Severity)),
		cmp.Compare(a.Repository, b.Repository),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
		cmp.Compare(a.Commit, b.Commit),
		cmp.Compare(a.Secret, b.Secret),
	)
}

// firstFinding is the number of an exposure's first F-id (after rewriting), or a large number
// when it names none, so that exposures tied on score follow the finding order.
func firstFinding(e Exposure) int {
	best := int(^uint(0) >> 1)
	for _, id := range e.Findings {
		if n, err := strconv.Atoi(strings.TrimPrefix(id, "F")); err == nil && n < best {
			best = n
		}
	}
	return best
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nonNil returns s, or an empty slice when s is nil: JSON then prints [] instead of null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
