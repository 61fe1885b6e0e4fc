package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Baseline is the set of fingerprints of a previous report (--baseline): findings already
// known and accepted, which a new run should not report again.
type Baseline struct {
	fingerprints map[string]bool
}

// LoadBaseline reads a previous JSON report. Errors name the file; they never quote its
// content, which may hold secrets from a --no-redact run.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, unwrapPathError(err))
	}
	var doc struct {
		Findings *[]struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("baseline %s: not a JSON report (syntax error at byte %d)", path, se.Offset)
		}
		return nil, fmt.Errorf("baseline %s: not a JSON report (%s)", path, jsonTypeError(err))
	}
	if doc.Findings == nil {
		return nil, fmt.Errorf("baseline %s: not an sfleak JSON report (no \"findings\" list)", path)
	}
	b := &Baseline{fingerprints: make(map[string]bool, len(*doc.Findings))}
	for _, f := range *doc.Findings {
		if f.Fingerprint != "" {
			b.fingerprints[f.Fingerprint] = true
		}
	}
	return b, nil
}

// Len is the number of distinct fingerprints in the baseline.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.fingerprints)
}

// Filter drops the findings whose fingerprint is in the baseline, and the exposures left with
// no finding. A nil Baseline filters nothing.
func (b *Baseline) Filter(r *Report) {
	if b == nil {
		return
	}
	dropFindings(r, func(f Finding) bool { return b.fingerprints[f.Fingerprint] })
}

// LoadIgnoreFile reads a .sfleakignore: one fingerprint per line (the "fingerprint" field of a
// report), blank lines and '#' comments ignored, a trailing "# reason" allowed. A missing
// file is an empty set. A line that is not a fingerprint is an error naming the file and line
// but not quoting it: someone may have pasted the secret itself there.
func LoadIgnoreFile(path string) (map[string]bool, error) {
	fps := make(map[string]bool)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fps, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !isFingerprint(line) {
			return nil, fmt.Errorf("%s:%d: not a fingerprint (want the 32 hexadecimal characters of a report's \"fingerprint\" field)", path, n)
		}
		fps[strings.ToLower(line)] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fps, nil
}

// ApplyIgnore drops the findings whose fingerprint is in fps, and the exposures left with no
// finding.
func ApplyIgnore(r *Report, fps map[string]bool) {
	if len(fps) == 0 {
		return
	}
	dropFindings(r, func(f Finding) bool { return fps[f.Fingerprint] })
}

// isFingerprint matches what Fingerprint returns: 32 lower-case hex digits (upper case is
// accepted from hand-edited files).
func isFingerprint(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// dropFindings removes the findings for which drop is true. Exposures name findings by
// fingerprint (before Finalize) or by ID (after it); references to dropped findings go, and
// so do the locations that only they had, and the exposures left with none.
func dropFindings(r *Report, drop func(Finding) bool) {
	type place struct {
		repo, path string
		line       int
	}
	kept := r.Findings[:0]
	gone := make(map[string]bool)
	live := make(map[string]bool)
	goneAt := make(map[place]bool)
	liveAt := make(map[place]bool)
	for _, f := range r.Findings {
		at := place{f.Repository, f.Path, f.Line}
		if drop(f) {
			gone[f.Fingerprint] = true
			if f.ID != "" {
				gone[f.ID] = true
			}
			goneAt[at] = true
			continue
		}
		live[f.Fingerprint] = true
		if f.ID != "" {
			live[f.ID] = true
		}
		liveAt[at] = true
		kept = append(kept, f)
	}
	clear(r.Findings[len(kept):]) // drop references to Raw values
	r.Findings = kept
	if len(gone) == 0 {
		return
	}
	exposures := r.Exposures[:0]
	for _, e := range r.Exposures {
		refs := []string{}
		for _, ref := range e.Findings {
			if live[ref] || !gone[ref] {
				refs = append(refs, ref)
			}
		}
		if len(e.Findings) > 0 && len(refs) == 0 {
			continue // every finding it named is gone
		}
		e.Findings = refs
		locs := []Location{}
		for _, l := range e.Locations {
			at := place{l.Repository, l.Path, l.Line}
			if goneAt[at] && !liveAt[at] {
				continue
			}
			locs = append(locs, l)
		}
		e.Locations = locs
		exposures = append(exposures, e)
	}
	clear(r.Exposures[len(exposures):])
	r.Exposures = exposures
}

// unwrapPathError keeps the reason of an *fs.PathError, whose own text repeats the path.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// jsonTypeError describes a JSON type mismatch without quoting the value.
func jsonTypeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "unreadable"
}
