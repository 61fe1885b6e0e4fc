package report

import (
	"errors"
	"io"
)

// SARIFWriter renders SARIF 2.1.0 for GitHub code scanning.
type SARIFWriter struct{}

var _ Writer = (*SARIFWriter)(nil)

// Write renders r.
func (SARIFWriter) Write(w io.Writer, r *Report) error {
	return errors.New("sarif: not implemented yet")
}
