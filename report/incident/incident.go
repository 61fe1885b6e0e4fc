// Package incident assembles the triage view of one leaked credential: every occurrence,
// the exposure window (first committed, first public, removed from HEAD, how long), the live
// validity answer and an ordered response checklist tied to the facts found.
//
// It computes nothing from git or the network: the caller (sfleak triage) gathers the facts
// (scan findings, refs, removal commits, sweep-state records, exposures, a verify answer) and
// Build turns them into the report.Incident every writer renders.
package incident

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/sfleak/sfleak/report"
)

// Input is what triage found about one credential. No field holds a raw secret.
type Input struct {
	// Fingerprint and RuleID identify the triaged finding (RuleID says what the value is).
	Fingerprint string
	RuleID      string
	// Secret is the triaged value as shown (report.Redact of it); Key is the paired consumer
	// key as shown, when known.
	Secret string
	Key    string
	// Host is the Salesforce host found with the credential (My Domain), for the JWT login
	// command; empty when none was found.
	Host string
	// Occurrences are every place the credential and its paired values were found, in any
	// order; Build sorts them.
	Occurrences []report.Occurrence
	// Removals say, per repository whose history was walked (or recorded by a sweep), whether
	// the credential is still on the default branch and when it left.
	Removals []Removal
	// Exposures are the exposure paths built over the occurrences' findings (app, flow,
	// run-as user); the checklist names their apps and users.
	Exposures []report.Exposure
	// Verify is the live validity answer; nil when --verify was not given.
	Verify *report.Verify
	// Now ends the window of a credential still reachable.
	Now time.Time
}

// Removal is one repository's answer to "is it still on the default branch?".
type Removal struct {
	Repository string
	// InHead is true while HEAD still holds the credential at some path.
	InHead bool
	// Removed is the first default-branch commit after which no path holds it (nil while
	// InHead, or when it never was on the default branch).
	Removed *report.Seen
}

// Build assembles the incident. It is deterministic for a given Input.
func Build(in Input) *report.Incident {
	occ := slices.Clone(in.Occurrences)
	slices.SortStableFunc(occ, compareOccurrences)
	occ = slices.CompactFunc(occ, func(a, b report.Occurrence) bool {
		return a.Repository == b.Repository && a.Path == b.Path && a.Line == b.Line &&
			a.Commit == b.Commit && a.RuleID == b.RuleID
	})
	for i := range occ {
		occ[i].Refs = nonNil(occ[i].Refs)
	}

	inc := &report.Incident{
		Fingerprint: in.Fingerprint,
		RuleID:      in.RuleID,
		Secret:      in.Secret,
		Occurrences: occ,
		Verify:      in.Verify,
	}
	inc.FirstSeen = earliest(occ, func(report.Occurrence) bool { return true })
	inc.FirstPublic = earliest(occ, func(o report.Occurrence) bool { return o.Visibility == "public" })

	for _, o := range occ {
		inc.InHead = inc.InHead || o.InHead
	}
	for _, r := range in.Removals {
		inc.InHead = inc.InHead || r.InHead
	}
	if !inc.InHead {
		// Removed from every default branch: the exposure on HEAD ended with the last of
		// the removals.
		for _, r := range in.Removals {
			if r.Removed != nil && (inc.Removed == nil || dateOf(r.Removed.Date).After(dateOf(inc.Removed.Date))) {
				s := *r.Removed
				if s.Repository == "" {
					s.Repository = r.Repository
				}
				inc.Removed = &s
			}
		}
	}
	inc.WindowDays = windowDays(inc, in.Now)
	inc.Checklist = Checklist(in, inc)
	return inc
}

func compareOccurrences(a, b report.Occurrence) int {
	// Undated occurrences (working tree, plain files) sort last: they carry no history.
	da, db := dateOf(a.Date), dateOf(b.Date)
	switch {
	case da.IsZero() != db.IsZero():
		if da.IsZero() {
			return 1
		}
		return -1
	case !da.Equal(db):
		return da.Compare(db)
	}
	return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line), cmp.Compare(a.Commit, b.Commit), cmp.Compare(a.RuleID, b.RuleID))
}

// earliest is the first dated occurrence (occ is sorted) that keep accepts.
func earliest(occ []report.Occurrence, keep func(report.Occurrence) bool) *report.Seen {
	for _, o := range occ {
		if keep(o) && !dateOf(o.Date).IsZero() {
			return &report.Seen{Commit: o.Commit, Date: o.Date, Repository: o.Repository}
		}
	}
	return nil
}

func dateOf(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// windowDays is how long the credential was reachable on a default branch: from the first
// commit to the removal, or to now while it is still in HEAD (or its removal is unknown).
// History keeps it reachable after removal until rewritten, which the checklist says.
func windowDays(inc *report.Incident, now time.Time) float64 {
	if inc.FirstSeen == nil {
		return 0
	}
	start := dateOf(inc.FirstSeen.Date)
	end := now
	if !inc.InHead && inc.Removed != nil {
		end = dateOf(inc.Removed.Date)
	}
	if end.IsZero() || end.Before(start) {
		return 0
	}
	days := end.Sub(start).Hours() / 24
	return math.Round(days*10) / 10
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
