package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// LoadReport reads a JSON report (a shard of a sweep, for sfleak merge). Errors name the file.
func LoadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return ParseReport(path, data)
}

// ParseReport decodes a JSON report; name identifies it in errors. A JSON document that is
// not an object with a findings list is not a report.
func ParseReport(name string, data []byte) (*Report, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not a JSON report: %v", name, err)
	}
	if _, ok := probe["findings"]; !ok {
		return nil, fmt.Errorf("%s: not an sfleak JSON report (no \"findings\")", name)
	}
	var r Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: not an sfleak JSON report: %v", name, err)
	}
	return &r, nil
}

// Merge combines reports, typically the shards of one sweep, into one:
//
//   - findings are deduplicated by fingerprint and position (line, column): the same leak
//     from two overlapping reports is kept once, while the same secret twice in one file
//     (one fingerprint, two lines) stays twice. Of duplicates the first is kept, in HEAD if
//     any says so, new if any says so;
//   - errors are the union (identical errors once);
//   - stats are summed (DurationMS too: the compute time of all parts);
//   - IDs are cleared and exposures and the incident left out: the caller recomputes
//     exposures over the merged findings (a key in one shard and its secret in another form
//     one credential set), then calls Finalize, which numbers everything afresh.
//
// The tool name and version are the first report's.
func Merge(reports ...*Report) *Report {
	out := &Report{Findings: []Finding{}, Exposures: []Exposure{}, Errors: []Error{}}
	seen := map[string]int{}
	errSeen := map[Error]bool{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		if out.Tool.Name == "" {
			out.Tool = r.Tool
		}
		for _, f := range r.Findings {
			f.ID = ""
			key := f.Fingerprint + "\x00" + strconv.Itoa(f.Line) + "\x00" + strconv.Itoa(f.Column)
			if f.Fingerprint == "" {
				// Nothing stable to compare: keep it.
				out.Findings = append(out.Findings, f)
				continue
			}
			if i, dup := seen[key]; dup {
				kept := &out.Findings[i]
				kept.InHead = kept.InHead || f.InHead
				if f.New != nil && *f.New && (kept.New == nil || !*kept.New) {
					yes := true
					kept.New = &yes
				}
				continue
			}
			seen[key] = len(out.Findings)
			out.Findings = append(out.Findings, f)
		}
		for _, e := range r.Errors {
			if !errSeen[e] {
				errSeen[e] = true
				out.Errors = append(out.Errors, e)
			}
		}
		s := r.Stats
		out.Stats.Blobs += s.Blobs
		out.Stats.Bytes += s.Bytes
		out.Stats.Commits += s.Commits
		out.Stats.DurationMS += s.DurationMS
		out.Stats.Repositories += s.Repositories
		out.Stats.SkippedBinary += s.SkippedBinary
		out.Stats.SkippedLarge += s.SkippedLarge
		out.Stats.SkippedSymlink += s.SkippedSymlink
		out.Stats.MissingObjects += s.MissingObjects
	}
	return out
}
