package report

import (
	"errors"
	"io"
)

// HTMLWriter renders one self-contained HTML page.
type HTMLWriter struct{}

var _ Writer = (*HTMLWriter)(nil)

// Write renders r.
func (HTMLWriter) Write(w io.Writer, r *Report) error { return errors.New("html: not implemented yet") }
