package report

import (
	"encoding/json"
	"io"
)

// JSONWriter writes the report model as indented JSON: the stable contract scripts parse.
type JSONWriter struct{}

var _ Writer = (*JSONWriter)(nil)

// Write renders r. The lists of the contract print as [] even on a report that skipped
// Finalize; HTML characters are not escaped, since the output is read by people and jq.
func (JSONWriter) Write(w io.Writer, r *Report) error {
	c := *r
	c.Findings = nonNil(c.Findings)
	c.Exposures = nonNil(c.Exposures)
	c.Errors = nonNil(c.Errors)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}
