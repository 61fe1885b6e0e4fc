package incident

import (
	"bufio"
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/sfleak/sfleak/report"
)

// The report writers own every format. Until they render Report.Incident themselves, these
// renderers add the incident section, and WithIncident wraps a writer with them only when
// the writer leaves the incident out (it asks the writer once, with a probe report), so the
// section never appears twice once the writers learn it.

// probeMarker is a value no real incident carries; finding it in a writer's output means
// the writer renders incidents itself.
const probeMarker = "sfleak-incident-probe-7c1e"

// WithIncident returns w, or w preceded by an incident section in format when w does not
// render Report.Incident (text and markdown: before the report; html: inside <body>).
// json and sarif are returned as they are: JSON carries the incident object by itself.
func WithIncident(format string, w report.Writer) report.Writer {
	switch format {
	case "text", "markdown", "html":
	default:
		return w
	}
	if rendersIncident(w) {
		return w
	}
	return &sectionWriter{format: format, inner: w}
}

func rendersIncident(w report.Writer) bool {
	probe := &report.Report{Incident: &report.Incident{Fingerprint: probeMarker, RuleID: probeMarker,
		Occurrences: []report.Occurrence{}, Checklist: []string{probeMarker}}}
	var buf bytes.Buffer
	if err := w.Write(&buf, probe); err != nil {
		return false
	}
	return bytes.Contains(buf.Bytes(), []byte(probeMarker))
}

type sectionWriter struct {
	format string
	inner  report.Writer
}

func (s *sectionWriter) Write(w io.Writer, r *report.Report) error {
	if r.Incident == nil {
		return s.inner.Write(w, r)
	}
	switch s.format {
	case "html":
		var body bytes.Buffer
		if err := s.inner.Write(&body, r); err != nil {
			return err
		}
		var section bytes.Buffer
		if err := RenderHTML(&section, r.Incident); err != nil {
			return err
		}
		out := body.Bytes()
		// Insert right after the opening <body …> tag, so the incident leads the page.
		if i := bytes.Index(bytes.ToLower(out), []byte("<body")); i >= 0 {
			if j := bytes.IndexByte(out[i:], '>'); j >= 0 {
				at := i + j + 1
				out = append(append(append([]byte{}, out[:at]...), section.Bytes()...), out[at:]...)
				_, err := w.Write(out)
				return err
			}
		}
		if _, err := w.Write(section.Bytes()); err != nil {
			return err
		}
		_, err := w.Write(out)
		return err
	case "markdown":
		if err := RenderMarkdown(w, r.Incident); err != nil {
			return err
		}
	default:
		if err := RenderText(w, r.Incident); err != nil {
			return err
		}
	}
	return s.inner.Write(w, r)
}

func seenString(s *report.Seen) string {
	if s == nil {
		return ""
	}
	out := shortDate(s.Date) + " " + shortCommit(s.Commit)
	if s.Repository != "" {
		out += " in " + s.Repository
	}
	return strings.TrimSpace(out)
}

func removedString(inc *report.Incident) string {
	switch {
	case inc.InHead:
		return "not removed: still in HEAD"
	case inc.Removed != nil:
		return seenString(inc.Removed)
	}
	return "not on any default branch (other branches or tags only), or removal unknown"
}

func verifyString(v *report.Verify) string {
	if v == nil {
		return "not checked (use --verify)"
	}
	s := v.Status
	if v.Reason != "" {
		s += ": " + v.Reason
	}
	if v.Host != "" {
		s += " (" + v.Host + ")"
	}
	return s
}

func occurrenceLine(o report.Occurrence) string {
	var b strings.Builder
	date := shortDate(o.Date)
	if date == "" {
		date = "(no date)"
	}
	fmt.Fprintf(&b, "%-10s  %s", date, o.Repository+": "+o.Path)
	if o.Line > 0 {
		fmt.Fprintf(&b, ":%d", o.Line)
	}
	if o.Commit != "" {
		fmt.Fprintf(&b, "  %s", shortCommit(o.Commit))
	}
	if o.Author != "" {
		fmt.Fprintf(&b, "  %s", o.Author)
	}
	if o.RuleID != "" {
		fmt.Fprintf(&b, "  [%s]", o.RuleID)
	}
	if o.Visibility != "" {
		fmt.Fprintf(&b, "  %s", o.Visibility)
	}
	if o.InHead {
		b.WriteString("  in HEAD")
	}
	if len(o.Refs) > 0 {
		fmt.Fprintf(&b, "  refs: %s", strings.Join(o.Refs, ", "))
	}
	return b.String()
}

// RenderText writes the incident as plain text, for a terminal.
func RenderText(w io.Writer, inc *report.Incident) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("INCIDENT %s %s\n", inc.RuleID, inc.Secret)
	if inc.Fingerprint != "" {
		p("  fingerprint:        %s\n", inc.Fingerprint)
	}
	p("  live validity:      %s\n", verifyString(inc.Verify))
	if inc.FirstSeen != nil {
		p("  first committed:    %s\n", seenString(inc.FirstSeen))
	}
	if inc.FirstPublic != nil {
		p("  first public:       %s\n", seenString(inc.FirstPublic))
	}
	p("  removed from HEAD:  %s\n", removedString(inc))
	p("  exposure window:    %.1f days\n", inc.WindowDays)
	p("  occurrences (%d):\n", len(inc.Occurrences))
	for _, o := range inc.Occurrences {
		p("    %s\n", occurrenceLine(o))
	}
	p("  checklist:\n")
	for i, c := range inc.Checklist {
		p("    %d. %s\n", i+1, c)
	}
	p("\n")
	return bw.Flush()
}

// mdCell escapes a value for a Markdown table cell or list item: pipes, newlines, and "<"
// (which would open an HTML tag and hide "<integration user>"); ">" mid-line is plain text.
func mdCell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", "`", "'")
	return r.Replace(s)
}

// RenderMarkdown writes the incident for a ticket: facts, an occurrence table and the
// checklist as task items.
func RenderMarkdown(w io.Writer, inc *report.Incident) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("## Incident: %s %s\n\n", mdCell(inc.RuleID), mdCell(inc.Secret))
	p("| | |\n|---|---|\n")
	if inc.Fingerprint != "" {
		p("| Fingerprint | `%s` |\n", mdCell(inc.Fingerprint))
	}
	p("| Live validity | %s |\n", mdCell(verifyString(inc.Verify)))
	if inc.FirstSeen != nil {
		p("| First committed | %s |\n", mdCell(seenString(inc.FirstSeen)))
	}
	if inc.FirstPublic != nil {
		p("| First public | %s |\n", mdCell(seenString(inc.FirstPublic)))
	}
	p("| Removed from HEAD | %s |\n", mdCell(removedString(inc)))
	p("| Exposure window | %.1f days |\n\n", inc.WindowDays)
	p("### Occurrences (%d)\n\n", len(inc.Occurrences))
	if len(inc.Occurrences) > 0 {
		p("| Date | Repository | Path | Commit | Author | Rule | Visibility | In HEAD | Refs |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, o := range inc.Occurrences {
			path := o.Path
			if o.Line > 0 {
				path = fmt.Sprintf("%s:%d", o.Path, o.Line)
			}
			if o.URL != "" {
				path = "[" + mdCell(path) + "](" + strings.ReplaceAll(o.URL, ")", "%29") + ")"
			} else {
				path = mdCell(path)
			}
			inHead := ""
			if o.InHead {
				inHead = "yes"
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", shortDate(o.Date), mdCell(o.Repository), path,
				shortCommit(o.Commit), mdCell(o.Author), mdCell(o.RuleID), mdCell(o.Visibility), inHead, mdCell(strings.Join(o.Refs, ", ")))
		}
		p("\n")
	}
	p("### Checklist\n\n")
	for _, c := range inc.Checklist {
		p("- [ ] %s\n", mdCell(c))
	}
	p("\n")
	return bw.Flush()
}

var htmlSection = template.Must(template.New("incident").Funcs(template.FuncMap{
	"seen": seenString, "removed": removedString, "verify": verifyString,
	"date": shortDate, "commit": shortCommit, "join": strings.Join, "inc1": func(i int) int { return i + 1 },
}).Parse(`<section id="incident" class="incident">
<h2>Incident: {{.RuleID}} <code>{{.Secret}}</code></h2>
<table class="incident-facts">
{{if .Fingerprint}}<tr><th>Fingerprint</th><td><code>{{.Fingerprint}}</code></td></tr>{{end}}
<tr><th>Live validity</th><td class="verify-{{if .Verify}}{{.Verify.Status}}{{else}}none{{end}}">{{verify .Verify}}</td></tr>
{{if .FirstSeen}}<tr><th>First committed</th><td>{{seen .FirstSeen}}</td></tr>{{end}}
{{if .FirstPublic}}<tr><th>First public</th><td>{{seen .FirstPublic}}</td></tr>{{end}}
<tr><th>Removed from HEAD</th><td>{{removed .}}</td></tr>
<tr><th>Exposure window</th><td>{{printf "%.1f" .WindowDays}} days</td></tr>
</table>
<h3>Occurrences ({{len .Occurrences}})</h3>
{{if .Occurrences}}<table class="incident-occurrences">
<tr><th>Date</th><th>Repository</th><th>Path</th><th>Commit</th><th>Author</th><th>Rule</th><th>Visibility</th><th>In HEAD</th><th>Refs</th></tr>
{{range .Occurrences}}<tr><td>{{date .Date}}</td><td>{{.Repository}}</td><td>{{if .URL}}<a href="{{.URL}}">{{.Path}}{{if .Line}}:{{.Line}}{{end}}</a>{{else}}{{.Path}}{{if .Line}}:{{.Line}}{{end}}{{end}}</td><td><code>{{commit .Commit}}</code></td><td>{{.Author}}</td><td>{{.RuleID}}</td><td>{{.Visibility}}</td><td>{{if .InHead}}yes{{end}}</td><td>{{join .Refs ", "}}</td></tr>
{{end}}</table>{{end}}
<h3>Checklist</h3>
<ol class="incident-checklist">
{{range .Checklist}}<li>{{.}}</li>
{{end}}</ol>
</section>
`))

// RenderHTML writes the incident as an HTML fragment (a <section>), every value escaped.
func RenderHTML(w io.Writer, inc *report.Incident) error {
	return htmlSection.Execute(w, inc)
}
