package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
)

// HTMLWriter renders one self-contained HTML page: no external assets and no network (a strict
// Content-Security-Policy says so to the browser), so it can be attached to a ticket or mailed.
// Exposures come first, each drawn as an inline SVG path; then a findings table that vanilla
// JavaScript filters by rule, severity and repository (without JavaScript every row shows);
// then errors. All text goes through html/template, which escapes it for its context.
type HTMLWriter struct{}

var _ Writer = (*HTMLWriter)(nil)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"upper":  strings.ToUpper,
	"short":  shortCommit,
	"day":    shortDate,
	"join":   strings.Join,
	"isTrue": func(b *bool) bool { return b != nil && *b },
}).Parse(htmlSource))

// Write renders r.
func (HTMLWriter) Write(w io.Writer, r *Report) error {
	return htmlTemplate.Execute(w, newHTMLView(r))
}

type htmlView struct {
	Tool      string
	Headline  string
	Stats     string
	Counts    []htmlCount
	Exposures []htmlExposure
	Findings  []htmlFinding
	Errors    []Error
	Rules     []RuleInfo // rules seen, for the legend
}

type htmlCount struct {
	Severity string
	N        int
}

type htmlExposure struct {
	Exposure
	App      string
	Score    string
	Diagram  svgDiagram
	Leaks    []Location
	Incoming []string // finding IDs
}

type htmlFinding struct {
	Finding
	Location  string
	Exposures []string
	RuleShort string
}

// svgDiagram is an exposure path laid out as boxes in rows of four, joined by arrows.
type svgDiagram struct {
	Width, Height int
	Label         string // the whole path as text, for screen readers
	Nodes         []svgNode
	Arrows        []string // SVG path data
}

type svgNode struct {
	X, Y, W, H int
	Class      string // colour by severity or state
	Title      string // the step kind
	Lines      []string
	Full       string // the untruncated text, shown as a tooltip
	TextX      int
	TitleY     int
	LineY      []int
}

// Layout of the exposure diagram, in SVG user units (the viewBox scales it to the page).
const (
	nodeW, nodeH   = 220, 78
	gapX, gapY     = 36, 44
	perRow         = 4
	lineChars      = 30 // characters per line at the box's font size
	maxLines       = 2
	diagramPadding = 2
)

func newHTMLView(r *Report) htmlView {
	c := countReport(r)
	name := r.Tool.Name
	if name == "" {
		name = ToolName
	}
	v := htmlView{Tool: strings.TrimSpace(name + " " + r.Tool.Version), Headline: headline(r, c), Stats: statsLine(r.Stats), Errors: r.Errors}
	for i := len(levels) - 1; i >= 0; i-- {
		v.Counts = append(v.Counts, htmlCount{levels[i], c.bySeverity[levels[i]]})
	}
	exposuresOf := map[string][]string{}
	for _, e := range r.Exposures {
		for _, id := range e.Findings {
			exposuresOf[id] = append(exposuresOf[id], e.ID)
		}
		v.Exposures = append(v.Exposures, htmlExposure{
			Exposure: e, App: appName(e), Score: fmt.Sprintf("%.1f", e.RiskScore),
			Diagram: layoutPath(e, exposurePath(r, e)), Leaks: e.Locations, Incoming: e.Findings,
		})
	}
	seen := map[string]bool{}
	for i, f := range r.Findings {
		info := ruleInfo(f.RuleID, &r.Findings[i])
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			v.Rules = append(v.Rules, info)
		}
		loc := f.Path
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.Path, f.Line)
			if f.Column > 0 {
				loc += fmt.Sprintf(":%d", f.Column)
			}
		}
		v.Findings = append(v.Findings, htmlFinding{Finding: f, Location: loc, Exposures: exposuresOf[f.ID], RuleShort: info.Short})
	}
	slices.SortFunc(v.Rules, func(a, b RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return v
}

// layoutPath places an exposure's steps left to right in rows of perRow boxes; a row ends with
// an arrow that turns down and back to the start of the next row.
func layoutPath(e Exposure, steps []Step) svgDiagram {
	d := svgDiagram{}
	var label []string
	for i, s := range steps {
		row, col := i/perRow, i%perRow
		x := diagramPadding + col*(nodeW+gapX)
		y := diagramPadding + row*(nodeH+gapY)
		text := s.Label
		if s.Detail != "" {
			text += " · " + s.Detail
		}
		label = append(label, stepTitle(s.Kind)+": "+text)
		lines := wrap(text, lineChars, maxLines)
		n := svgNode{X: x, Y: y, W: nodeW, H: nodeH, Class: nodeClass(e, s), Title: stepTitle(s.Kind),
			Lines: lines, Full: text, TextX: x + 14, TitleY: y + 22}
		for j := range lines {
			n.LineY = append(n.LineY, y+44+j*18)
		}
		d.Nodes = append(d.Nodes, n)
		if i == 0 {
			continue
		}
		if col > 0 { // same row: a short arrow from the previous box
			d.Arrows = append(d.Arrows, fmt.Sprintf("M%d %d H%d", x-gapX+2, y+nodeH/2, x-4))
			continue
		}
		// New row: from the bottom of the previous row's last box, down, back, down.
		px := diagramPadding + (perRow-1)*(nodeW+gapX) + nodeW/2
		py := y - gapY
		midY := py + gapY/2
		d.Arrows = append(d.Arrows, fmt.Sprintf("M%d %d V%d H%d V%d", px, py+2, midY, x+nodeW/2, y-4))
	}
	rows := (len(steps) + perRow - 1) / perRow
	cols := min(len(steps), perRow)
	d.Width = 2*diagramPadding + cols*nodeW + max(cols-1, 0)*gapX
	d.Height = 2*diagramPadding + rows*nodeH + max(rows-1, 0)*gapY
	d.Label = "Exposure path: " + strings.Join(label, " → ")
	return d
}

// nodeClass colours one box: the exposure's severity, except where a step's own state says
// more (the flow on or off, mitigations present or not, the score itself).
func nodeClass(e Exposure, s Step) string {
	sev := "sev-" + e.Severity
	if Rank(e.Severity) == 0 {
		sev = "sev-info"
	}
	switch s.Kind {
	case "flow":
		if slices.Contains(strings.Fields(strings.ToUpper(s.Label)), "OFF") {
			return "node ok"
		}
		return "node " + sev + " hot"
	case "mitigations":
		if len(e.Mitigations) > 0 || (s.Label != "" && s.Label != "none") {
			return "node ok"
		}
		return "node " + sev
	case "score":
		return "node " + sev + " solid"
	}
	return "node " + sev
}

// wrap breaks s into at most n lines of about width characters, at spaces where it can;
// the last line ends with "…" when text was cut.
func wrap(s string, width, n int) []string {
	var lines []string
	rest := []rune(s)
	for len(rest) > 0 && len(lines) < n {
		if len(rest) <= width {
			lines = append(lines, string(rest))
			rest = nil
			break
		}
		cut := width
		for i := width; i > width/2; i-- {
			if rest[i] == ' ' || rest[i] == '/' || rest[i] == ',' {
				cut = i
				break
			}
		}
		if rest[cut] == ' ' {
			lines = append(lines, string(rest[:cut]))
			rest = rest[cut+1:]
		} else {
			lines = append(lines, string(rest[:cut]))
			rest = rest[cut:]
		}
	}
	if len(rest) > 0 && len(lines) > 0 {
		last := []rune(lines[len(lines)-1])
		if len(last) >= width {
			last = last[:width-1]
		}
		lines[len(lines)-1] = strings.TrimRight(string(last), " ") + "…"
	}
	return lines
}
