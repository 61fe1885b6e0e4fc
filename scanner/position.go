package scanner

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// lineCounter turns byte offsets into 1-based lines and columns. Columns count Unicode
// code points (runes), not bytes, so a column matches what an editor shows for UTF-8
// source; invalid UTF-8 counts one column per byte.
type lineCounter struct {
	off, line, lineStart int // memo of the previous call: matches mostly come in order
}

func (c *lineCounter) position(data []byte, off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > len(data) {
		off = len(data)
	}
	if c.line == 0 || off < c.off {
		c.off, c.line, c.lineStart = 0, 1, 0
	}
	seg := data[c.off:off]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		c.line += n
		c.lineStart = c.off + bytes.LastIndexByte(seg, '\n') + 1
	}
	c.off = off
	return c.line, utf8.RuneCount(data[c.lineStart:off]) + 1
}

// oneLine keeps errors to one line: messages from libraries sometimes carry newlines.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}
