package report

import (
	"fmt"
	"strings"
)

// WriterOptions tunes a writer.
type WriterOptions struct {
	// Color enables ANSI colour in the text format (a terminal); other formats ignore it.
	Color bool
}

// writers names every format: the one place a format is registered. Formats lists the keys
// in this order.
var writers = []struct {
	name string
	new  func(WriterOptions) Writer
}{
	{"text", func(o WriterOptions) Writer { return &TextWriter{Color: o.Color} }},
	{"json", func(WriterOptions) Writer { return &JSONWriter{} }},
	{"sarif", func(WriterOptions) Writer { return &SARIFWriter{} }},
	{"html", func(WriterOptions) Writer { return &HTMLWriter{} }},
	{"markdown", func(WriterOptions) Writer { return &MarkdownWriter{} }},
}

// Formats lists the output formats NewWriter knows, in the order --help shows them.
func Formats() []string {
	names := make([]string, len(writers))
	for i, w := range writers {
		names[i] = w.name
	}
	return names
}

// NewWriter returns the writer for a format name (see Formats).
func NewWriter(format string, o WriterOptions) (Writer, error) {
	for _, w := range writers {
		if w.name == format {
			return w.new(o), nil
		}
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// counts are the numbers every summary shows.
type counts struct {
	bySeverity map[string]int // not suppressed
	findings   int            // not suppressed
	suppressed int
	exposures  int
	errors     int
	repos      int
}

func countReport(r *Report) counts {
	c := counts{bySeverity: map[string]int{}, exposures: len(r.Exposures), errors: len(r.Errors)}
	repos := map[string]bool{}
	for _, f := range r.Findings {
		repos[f.Repository] = true
		if f.Suppressed {
			c.suppressed++
			continue
		}
		c.findings++
		c.bySeverity[f.Severity]++
	}
	c.repos = len(repos)
	return c
}

// severityList is "1 critical, 2 high" over the non-zero severities, worst first.
func (c counts) severityList() string {
	var parts []string
	for i := len(levels) - 1; i >= 0; i-- {
		if n := c.bySeverity[levels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, levels[i]))
		}
	}
	if n := c.findings - sum(c.bySeverity); n > 0 {
		parts = append(parts, fmt.Sprintf("%d unrated", n))
	}
	return strings.Join(parts, ", ")
}

func sum(m map[string]int) int {
	n := 0
	for k, v := range m {
		if Rank(k) > 0 {
			n += v
		}
	}
	return n
}

// plural is "1 finding" / "2 findings".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// shortCommit is the 7-character abbreviation people paste into git.
func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

// shortDate keeps the day of an RFC 3339 date; the full value is in the JSON report.
func shortDate(d string) string {
	if len(d) >= 10 && d[4] == '-' && d[7] == '-' {
		return d[:10]
	}
	return d
}

// stepKinds is the order of an exposure path, with the label each kind shows.
var stepKinds = []struct{ kind, title string }{
	{"leak", "leak"},
	{"credential", "credential"},
	{"app", "connected app"},
	{"flow", "flow"},
	{"user", "run-as user"},
	{"permissions", "permissions"},
	{"mitigations", "mitigations"},
	{"score", "score"},
}

// stepTitle is the heading of a step kind ("user" → "run-as user").
func stepTitle(kind string) string {
	for _, k := range stepKinds {
		if k.kind == kind {
			return k.title
		}
	}
	return kind
}

// exposurePath is the path an exposure shows: the exposure pass's own Steps when it wrote
// them, else one built from the exposure's fields (a report merged from older JSON).
func exposurePath(r *Report, e Exposure) []Step {
	if len(e.Steps) > 0 {
		return e.Steps
	}
	var steps []Step
	var leak []string
	for _, l := range e.Locations {
		leak = append(leak, locationString(l.Repository, l.Path, l.Line))
	}
	if len(leak) == 0 {
		leak = append(leak, strings.Join(e.Findings, ", "))
	}
	detail := ""
	if len(leak) > 1 {
		detail = fmt.Sprintf("%d locations", len(leak))
	}
	steps = append(steps, Step{Kind: "leak", Label: leak[0], Detail: detail})
	cred := "consumer key"
	if e.ConsumerKey != "" {
		cred += " " + e.ConsumerKey
	}
	steps = append(steps, Step{Kind: "credential", Label: cred})
	app := "no matching app in org metadata"
	if e.ConnectedApp != nil {
		app = *e.ConnectedApp
		if e.ConnectedAppLabel != "" && e.ConnectedAppLabel != app {
			app = e.ConnectedAppLabel + " (" + app + ")"
		}
	}
	steps = append(steps, Step{Kind: "app", Label: app, Detail: e.AppType})
	flow := "client credentials OFF"
	if e.ClientCredentialsEnabled {
		flow = "client credentials ON"
	}
	steps = append(steps, Step{Kind: "flow", Label: flow})
	user := e.RunAsUser
	if user == "" {
		user = "unknown"
	}
	if e.RunAsUserActive != nil && !*e.RunAsUserActive {
		user += " (inactive)"
	}
	steps = append(steps, Step{Kind: "user", Label: user})
	perms := e.Profile
	if perms == "" {
		perms = "unknown profile"
	}
	if len(e.Permissions) > 0 {
		perms += ": " + strings.Join(e.Permissions, ", ")
	}
	steps = append(steps, Step{Kind: "permissions", Label: perms, Detail: strings.Join(e.PermissionSets, ", ")})
	mit := "none"
	if len(e.Mitigations) > 0 {
		mit = strings.Join(e.Mitigations, "; ")
	}
	steps = append(steps, Step{Kind: "mitigations", Label: mit})
	steps = append(steps, Step{Kind: "score", Label: fmt.Sprintf("%.1f %s", e.RiskScore, e.Severity)})
	return steps
}

// locationString is "repo: path:line", leaving out what is empty.
func locationString(repo, path string, line int) string {
	s := path
	if line > 0 {
		s = fmt.Sprintf("%s:%d", path, line)
	}
	if repo != "" {
		s = repo + ": " + s
	}
	return s
}

// appName is the exposure's app for headings.
func appName(e Exposure) string {
	if e.ConnectedApp == nil {
		return "unknown app"
	}
	if e.ConnectedAppLabel != "" && e.ConnectedAppLabel != *e.ConnectedApp {
		return e.ConnectedAppLabel + " (" + *e.ConnectedApp + ")"
	}
	return *e.ConnectedApp
}
