package state

import "github.com/sfleak/sfleak/report"

// Reconcile merges one repository's scan with what the store recorded, giving the findings
// the sweep reports for it:
//
//   - a scanned finding is New when its fingerprint was never recorded for the repository;
//   - a recorded finding the scan did not produce is reported from the store (New false), so a
//     nightly report lists every known leak, not only this night's. When complete is true (the
//     repository was scanned, and blobs that held findings were scanned again) such a finding
//     is no longer anywhere in history and is reported with InHead false.
//
// A repository whose refs did not change is not scanned: pass scanned nil, complete false.
func Reconcile(known []Record, scanned []report.Finding, complete bool) []report.Finding {
	seen := make(map[string]bool, len(known))
	for _, r := range known {
		seen[r.Fingerprint] = true
	}
	out := make([]report.Finding, 0, len(scanned)+len(known))
	produced := make(map[string]bool, len(scanned))
	for _, f := range scanned {
		isNew := !seen[f.Fingerprint]
		f.New = &isNew
		produced[f.Fingerprint] = true
		out = append(out, f)
	}
	for _, r := range known {
		if produced[r.Fingerprint] {
			continue
		}
		f := r.Finding
		f.InHead = r.InHead && !complete
		isNew := false
		f.New = &isNew
		out = append(out, f)
	}
	return out
}
