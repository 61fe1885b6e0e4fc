package incident

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/report"
)

func sampleIncident() *report.Incident {
	return Build(Input{
		Fingerprint: "3f9a0c",
		RuleID:      "sf-consumer-secret",
		Secret:      "F219…REDACTED",
		Occurrences: []report.Occurrence{
			{Repository: "acme/billing", Path: "<script>alert(1)</script>.py", Line: 4, Commit: strings.Repeat("a", 40),
				Date: "2024-01-02T09:00:00Z", Author: "Dev | Ops", Visibility: "public", Refs: []string{"refs/heads/main"}},
		},
		Removals: []Removal{{Repository: "acme/billing", Removed: &report.Seen{Commit: strings.Repeat("b", 40), Date: "2024-01-12T09:00:00Z"}}},
		Verify:   &report.Verify{Status: "invalid", Reason: "invalid_client", Host: "acme.my.salesforce.com"},
		Now:      now,
	})
}

func TestRenderers(t *testing.T) {
	inc := sampleIncident()
	tests := []struct {
		name   string
		render func(io.Writer, *report.Incident) error
		want   []string
		reject []string
	}{
		{"text shows the window, removal, verify answer, occurrences and numbered steps", RenderText,
			[]string{"INCIDENT sf-consumer-secret F219…REDACTED", "first committed:    2024-01-02 aaaaaaa in acme/billing",
				"removed from HEAD:  2024-01-12 bbbbbbb in acme/billing", "10.0 days", "invalid: invalid_client (acme.my.salesforce.com)",
				"refs: refs/heads/main", "    1. Rotate", "    6. Check"}, nil},
		{"markdown is a ticket: a facts table, an occurrence table with escaped cells, task items", RenderMarkdown,
			[]string{"## Incident: sf-consumer-secret", "| Removed from HEAD | 2024-01-12 bbbbbbb in acme/billing |", `Dev \| Ops`, "- [ ] Rotate", "&lt;script>", "&lt;integration user>"},
			[]string{"<script>"}},
		{"html escapes every value", RenderHTML,
			[]string{`<section id="incident"`, "&lt;script&gt;", "<li>Rotate", "verify-invalid"},
			[]string{"<script>alert"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf, inc); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.reject {
				if strings.Contains(out, s) {
					t.Errorf("output holds %q", s)
				}
			}
		})
	}
}

// plainWriter ignores incidents; awareWriter renders the checklist itself.
type plainWriter struct{ body string }

func (p plainWriter) Write(w io.Writer, r *report.Report) error {
	_, err := io.WriteString(w, p.body)
	return err
}

type awareWriter struct{}

func (awareWriter) Write(w io.Writer, r *report.Report) error {
	if r.Incident != nil {
		_, err := io.WriteString(w, strings.Join(r.Incident.Checklist, "\n"))
		return err
	}
	return nil
}

func TestWithIncident(t *testing.T) {
	r := &report.Report{Incident: sampleIncident()}
	tests := []struct {
		name   string
		format string
		inner  report.Writer
		check  func(t *testing.T, out string)
	}{
		{"text from a writer that ignores incidents gets the section first", "text", plainWriter{"FINDINGS\n"}, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "INCIDENT") || !strings.HasSuffix(out, "FINDINGS\n") {
				t.Errorf("got %q", out)
			}
		}},
		{"html gets the section inside body", "html", plainWriter{"<html><body class=x><p>findings</p></body></html>"}, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, `<html><body class=x><section id="incident"`) || !strings.HasSuffix(out, "<p>findings</p></body></html>") {
				t.Errorf("got %q", out)
			}
		}},
		{"a writer that renders incidents is left alone", "markdown", awareWriter{}, func(t *testing.T, out string) {
			if strings.Contains(out, "## Incident") || strings.Count(out, "Rotate") != 1 {
				t.Errorf("got %q", out)
			}
		}},
		{"json is left alone", "json", plainWriter{"{}"}, func(t *testing.T, out string) {
			if out != "{}" {
				t.Errorf("got %q", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WithIncident(tt.format, tt.inner).Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			tt.check(t, buf.String())
		})
	}
}
