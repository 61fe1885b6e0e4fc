package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// TextWriter renders a report for a person at a terminal: exposures first (the path an
// attacker would walk, most severe first), then findings grouped by repository and path,
// then errors and a summary line. ANSI colour only when Color is set.
type TextWriter struct {
	Color bool
}

var _ Writer = (*TextWriter)(nil)

// ANSI styles; empty when colour is off.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiBRed   = "\x1b[1;91m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
)

// Write renders r.
func (t TextWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := textPrinter{w: bw, color: t.Color}
	p.report(r)
	return bw.Flush()
}

type textPrinter struct {
	w     *bufio.Writer
	color bool
}

// styled is text that is already safe for a terminal (cleaned, maybe with our own ANSI codes);
// printf passes it through and cleans every plain string.
type styled string

func (p textPrinter) style(code, s string) styled {
	s = termClean(s)
	if !p.color || s == "" || code == "" {
		return styled(s)
	}
	return styled(code + s + ansiReset)
}

// termClean replaces control characters: paths, author names and messages come from scanned
// repositories, and an escape sequence in a file name must not drive the reader's terminal.
func termClean(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func (p textPrinter) sev(s string) styled { return p.sevPad(s, 0) }

// sevPad is sev padded to width before styling, so columns line up with colour on.
func (p textPrinter) sevPad(s string, width int) styled {
	code := ansiDim
	switch s {
	case SeverityCritical:
		code = ansiBRed
	case SeverityHigh:
		code = ansiRed
	case SeverityMedium:
		code = ansiYellow
	case SeverityLow:
		code = ansiCyan
	}
	return p.style(code, fmt.Sprintf("%-*s", width, strings.ToUpper(s)))
}

func (p textPrinter) printf(format string, a ...any) {
	for i, v := range a {
		if s, ok := v.(string); ok {
			a[i] = termClean(s)
		}
	}
	fmt.Fprintf(p.w, format, a...)
}

func (p textPrinter) report(r *Report) {
	c := countReport(r)
	p.printf("%s\n", p.style(ansiBold, headline(r, c)))

	if len(r.Exposures) > 0 {
		p.printf("\n%s\n", p.style(ansiBold, "EXPOSURES (most severe first)"))
		for _, e := range r.Exposures {
			p.exposure(r, e)
		}
	}
	if len(r.Findings) > 0 {
		p.printf("\n%s\n", p.style(ansiBold, "FINDINGS"))
		ruleWidth := 0
		for _, f := range r.Findings {
			ruleWidth = max(ruleWidth, len(f.RuleID))
		}
		p.findings(r.Findings, ruleWidth)
	}
	if len(r.Errors) > 0 {
		p.printf("\n%s\n", p.style(ansiBold, "ERRORS (these inputs were not fully scanned)"))
		for _, e := range r.Errors {
			p.printf("  %s: %s\n", e.Source, e.Message)
		}
	}
	p.printf("\n%s\n", p.style(ansiDim, statsLine(r.Stats)))
}

// headline is the summary line: what a reader needs before anything else.
func headline(r *Report, c counts) string {
	name := r.Tool.Name
	if name == "" {
		name = ToolName
	}
	if r.Tool.Version != "" {
		name += " " + r.Tool.Version
	}
	var parts []string
	if c.findings == 0 {
		parts = append(parts, "no Salesforce credentials found")
	} else {
		s := fmt.Sprintf("%s (%s)", plural(c.findings, "finding"), c.severityList())
		if c.repos > 1 {
			s += fmt.Sprintf(" in %d repositories", c.repos)
		}
		parts = append(parts, s)
	}
	if c.suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed", c.suppressed))
	}
	if c.exposures > 0 {
		parts = append(parts, plural(c.exposures, "exposure"))
	}
	if c.errors > 0 {
		parts = append(parts, plural(c.errors, "error"))
	}
	return name + ": " + strings.Join(parts, ", ")
}

// statsLine says how much was read, so that "nothing found" can be told from "nothing read".
func statsLine(s Stats) string {
	parts := []string{plural(int(s.Blobs), "blob") + " (" + humanBytes(s.Bytes) + ")"}
	if s.Commits > 0 {
		parts = append(parts, plural(int(s.Commits), "commit"))
	}
	if s.Repositories > 0 {
		parts = append(parts, plural(int(s.Repositories), "repository"))
	}
	line := "scanned " + strings.Join(parts, ", ")
	line = strings.ReplaceAll(line, "repositorys", "repositories")
	if s.DurationMS > 0 {
		line += " in " + (time.Duration(s.DurationMS) * time.Millisecond).String()
	}
	var skipped []string
	if s.SkippedBinary > 0 {
		skipped = append(skipped, fmt.Sprintf("%d binary", s.SkippedBinary))
	}
	if s.SkippedLarge > 0 {
		skipped = append(skipped, fmt.Sprintf("%d too large", s.SkippedLarge))
	}
	if s.SkippedSymlink > 0 {
		skipped = append(skipped, fmt.Sprintf("%d symlinks", s.SkippedSymlink))
	}
	if s.MissingObjects > 0 {
		skipped = append(skipped, fmt.Sprintf("%d missing objects", s.MissingObjects))
	}
	if len(skipped) > 0 {
		line += "; skipped " + strings.Join(skipped, ", ")
	}
	return line
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func (p textPrinter) exposure(r *Report, e Exposure) {
	p.printf("\n%s  %s %.1f  %s", p.style(ansiBold, e.ID), p.sev(e.Severity), e.RiskScore, p.style(ansiBold, appName(e)))
	if e.Public {
		p.printf("  %s", p.style(ansiBRed, "PUBLIC"))
	}
	if len(e.Findings) > 0 {
		p.printf("  %s", p.style(ansiDim, "findings "+strings.Join(e.Findings, ", ")))
	}
	p.printf("\n")
	steps := exposurePath(r, e)
	width := 0
	for _, s := range steps {
		width = max(width, len(stepTitle(s.Kind)))
	}
	for i, s := range steps {
		arrow := "→ "
		if i == 0 {
			arrow = "  "
		}
		label := p.style("", s.Label)
		switch {
		case s.Kind == "flow" && slices.Contains(strings.Fields(s.Label), "ON"):
			label = p.style(ansiBRed, s.Label)
		case s.Kind == "score":
			label = p.style(ansiBold, s.Label)
		}
		if s.Detail != "" {
			label += p.style(ansiDim, " ("+s.Detail+")")
		}
		p.printf("    %s%-*s  %s\n", arrow, width, stepTitle(s.Kind), label)
	}
	if len(e.Locations) > 1 {
		p.printf("    %s\n", p.style(ansiDim, "leaked at:"))
		for _, l := range e.Locations {
			p.printf("      %s %s\n", locationString(l.Repository, l.Path, l.Line), p.style(ansiDim, shortCommit(l.Commit)))
		}
	}
	if len(e.ScoreFactors) > 0 {
		p.printf("    %s %s\n", p.style(ansiDim, "score factors:"), strings.Join(e.ScoreFactors, "; "))
	}
	if len(e.Remediation) > 0 {
		p.printf("    %s\n", p.style(ansiGreen, "fix:"))
		for i, step := range e.Remediation {
			p.printf("      %d. %s\n", i+1, step)
		}
	}
}

// findings prints findings grouped by repository, then path, in report order within each
// group; groups appear in the order of their first (most severe) finding.
func (p textPrinter) findings(fs []Finding, ruleWidth int) {
	type group struct {
		repo  string
		paths []string
		byP   map[string][]Finding
	}
	var groups []*group
	byRepo := map[string]*group{}
	for _, f := range fs {
		g := byRepo[f.Repository]
		if g == nil {
			g = &group{repo: f.Repository, byP: map[string][]Finding{}}
			byRepo[f.Repository] = g
			groups = append(groups, g)
		}
		if _, ok := g.byP[f.Path]; !ok {
			g.paths = append(g.paths, f.Path)
		}
		g.byP[f.Path] = append(g.byP[f.Path], f)
	}
	for _, g := range groups {
		indent := "  "
		if g.repo != "" {
			p.printf("\n  %s\n", p.style(ansiBold, g.repo))
			indent = "    "
		} else {
			p.printf("\n")
		}
		for _, path := range g.paths {
			p.printf("%s%s\n", indent, p.style(ansiCyan, path))
			for _, f := range g.byP[path] {
				p.finding(indent+"  ", f, ruleWidth)
			}
		}
	}
}

func (p textPrinter) finding(indent string, f Finding, ruleWidth int) {
	pos := fmt.Sprintf("%d:%d", f.Line, f.Column)
	line := fmt.Sprintf("%s%-4s %-7s %s %-*s  %s", indent, termClean(f.ID), pos, p.sevPad(f.Severity, 8),
		ruleWidth, termClean(f.RuleID), termClean(f.Secret))
	p.printf("%s", styled(strings.TrimRight(line, " ")))
	var tags []string
	if f.New != nil && *f.New {
		tags = append(tags, "NEW")
	}
	if f.Visibility == "public" {
		tags = append(tags, "PUBLIC")
	}
	if f.Suppressed {
		tags = append(tags, "suppressed")
	}
	if len(tags) > 0 {
		p.printf("  [%s]", strings.Join(tags, ", "))
	}
	p.printf("\n")
	sub := indent + "     "
	if f.Description != "" {
		p.printf("%s%s\n", sub, f.Description)
	}
	var ctx []string
	if f.Username != "" {
		ctx = append(ctx, "user "+f.Username)
	}
	if f.Host != "" {
		ctx = append(ctx, "host "+f.Host)
	}
	if f.ConsumerKey != "" {
		ctx = append(ctx, "consumer key "+f.ConsumerKey)
	}
	if f.FromEnv {
		ctx = append(ctx, "secret read from the environment")
	}
	if len(ctx) > 0 {
		p.printf("%s%s\n", sub, strings.Join(ctx, ", "))
	}
	if f.Commit != "" {
		who := f.Author
		if who == "" {
			who = f.Email
		}
		line := "introduced in " + shortCommit(f.Commit)
		if who != "" {
			line += " by " + who
		}
		if f.Date != "" {
			line += " on " + shortDate(f.Date)
		}
		if f.InHead {
			line += ", still in HEAD"
		} else {
			line += ", not in HEAD (history only: still needs rotating)"
		}
		p.printf("%s%s\n", sub, p.style(ansiDim, line))
	}
	if f.URL != "" {
		p.printf("%s%s\n", sub, p.style(ansiDim, f.URL))
	}
}
