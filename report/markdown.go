package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// MarkdownWriter renders a short GitHub-flavoured Markdown summary for a pull-request comment
// or an Actions step summary: counts, exposures, then a table of the most severe findings.
type MarkdownWriter struct {
	// MaxRows caps the findings table (a PR comment has a size limit); 0 means 50.
	MaxRows int
}

var _ Writer = (*MarkdownWriter)(nil)

// Write renders r.
func (m MarkdownWriter) Write(w io.Writer, r *Report) error {
	max := m.MaxRows
	if max <= 0 {
		max = 50
	}
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	c := countReport(r)

	p("### %s\n\n", mdEscape(headline(r, c)))
	if c.findings > 0 {
		p("| Severity | Count |\n|---|---:|\n")
		for i := len(levels) - 1; i >= 0; i-- {
			if n := c.bySeverity[levels[i]]; n > 0 {
				p("| %s %s | %d |\n", severityIcon(levels[i]), levels[i], n)
			}
		}
		p("\n")
	}

	if len(r.Exposures) > 0 {
		p("#### Exposures\n\n")
		for _, e := range r.Exposures {
			var hops []string
			for _, s := range exposurePath(r, e) {
				if s.Kind == "score" || s.Kind == "leak" {
					continue
				}
				hops = append(hops, mdEscape(s.Label))
			}
			p("- %s **%s %s %.1f** %s: %s", severityIcon(e.Severity), e.ID, e.Severity, e.RiskScore,
				mdEscape(appName(e)), strings.Join(hops, " → "))
			if len(e.Findings) > 0 {
				p(" (%s)", strings.Join(e.Findings, ", "))
			}
			p("\n")
			if len(e.Remediation) > 0 {
				p("  - Fix: %s\n", mdEscape(e.Remediation[0]))
			}
		}
		p("\n")
	}

	if len(r.Findings) > 0 {
		p("#### Findings\n\n")
		p("| | ID | Severity | Rule | Location | Commit | Secret |\n|---|---|---|---|---|---|---|\n")
		for i, f := range r.Findings {
			if i == max {
				p("\n…and %d more; see the full report.\n", len(r.Findings)-max)
				break
			}
			loc := mdCode(locationString(f.Repository, f.Path, f.Line))
			if f.URL != "" {
				loc = "[" + loc + "](" + mdURL(f.URL) + ")"
			}
			commit := ""
			if f.Commit != "" {
				commit = mdCode(shortCommit(f.Commit))
				if f.Date != "" {
					commit += " " + mdEscape(shortDate(f.Date))
				}
				if !f.InHead {
					commit += " (history)"
				}
			}
			sev := f.Severity
			if f.Suppressed {
				sev += " (suppressed)"
			}
			p("| %s | %s | %s | %s | %s | %s | %s |\n", severityIcon(f.Severity), f.ID, mdEscape(sev),
				mdCode(f.RuleID), loc, commit, mdCode(f.Secret))
		}
		p("\n")
	}

	if len(r.Errors) > 0 {
		p("<details><summary>%s</summary>\n\n", plural(len(r.Errors), "error"))
		for _, e := range r.Errors {
			p("- %s: %s\n", mdCode(e.Source), mdEscape(e.Message))
		}
		p("\n</details>\n\n")
	}
	p("<sub>%s</sub>\n", mdEscape(statsLine(r.Stats)))
	return bw.Flush()
}

// severityIcon gives the table a scannable column that survives without colour.
func severityIcon(s string) string {
	switch s {
	case SeverityCritical:
		return "🔴"
	case SeverityHigh:
		return "🟠"
	case SeverityMedium:
		return "🟡"
	case SeverityLow:
		return "🔵"
	}
	return "⚪"
}

// mdEscape neutralises Markdown and HTML in text taken from scanned repositories (paths,
// author names, messages), so a crafted file name cannot inject links, mentions or markup
// into a PR comment. Line breaks would end a table row, so they become spaces. Characters
// that only matter at the start of a line or after ']' are left alone: no user text starts a
// line here, and ']' is escaped.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '~', '>', '<', '@':
			if r == '<' {
				b.WriteString("&lt;")
				continue
			}
			if r == '>' {
				b.WriteString("&gt;")
				continue
			}
			b.WriteByte('\\')
			b.WriteRune(r)
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode puts s in a code span; a backtick or pipe inside would end the span or the table
// cell, so they are replaced by look-alikes that cannot break out.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("`", "ˋ", "|", "¦", "\n", " ", "\r", " ").Replace(s)
	return "`" + s + "`"
}

// mdURL keeps a link target from closing the Markdown link early.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "|", "%7C", "<", "%3C", ">", "%3E").Replace(u)
}
