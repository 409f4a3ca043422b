package notification

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// EmailContent renders a message as an email: subject, plain text and HTML
// (escaped by html/template).
func EmailContent(m Message) (subject, text, html string) {
	subject = Headline(m)
	var t strings.Builder
	t.WriteString(subject + "\n\n")
	switch m.Event {
	case EventIncidents:
		for _, i := range m.shown() {
			t.WriteString("- " + incidentLine(i) + "\n")
			if i.URL != "" {
				t.WriteString("  " + i.URL + "\n")
			}
		}
		if more := m.total() - len(m.shown()); more > 0 {
			fmt.Fprintf(&t, "\nand %d more: %s\n", more, m.IncidentsURL)
		}
	case EventCheckFailing:
		fmt.Fprintf(&t, "Two scheduled checks in a row failed, so ParityRail cannot tell whether access matches billing.\nLast error: %s\n", m.CheckError)
	case EventCheckRecovered:
		t.WriteString("A scheduled check finished again.\n")
	case EventDigest:
		if d := m.Digest; d != nil {
			t.WriteString(digestText(*d))
		}
	case EventTest:
		t.WriteString("This channel works: ParityRail will send notifications here.\n")
	}
	if m.ProjectURL != "" {
		t.WriteString("\nOpen the project: " + m.ProjectURL + "\n")
	}
	t.WriteString("\n-- \nParityRail checks that your app grants exactly the access your billing promises.\n")

	var h bytes.Buffer
	data := emailData{Message: m, Subject: subject, Shown: m.shown(), More: m.total() - len(m.shown()), Severities: severityOrder}
	if m.Digest != nil {
		for _, k := range m.Digest.kindsSorted() {
			data.Kinds = append(data.Kinds, kindCount{k, m.Digest.OpenByKind[k]})
		}
	}
	if err := emailHTML.Execute(&h, data); err != nil {
		h.Reset()
		h.WriteString("<pre>" + template.HTMLEscapeString(t.String()) + "</pre>")
	}
	return subject, t.String(), h.String()
}

func digestText(d Digest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Week of %s to %s (UTC)\n\n", d.WeekStart.UTC().Format("Jan 2"), d.WeekEnd.UTC().Format("Jan 2, 2006"))
	fmt.Fprintf(&b, "Open incidents: %d\n", d.OpenTotal())
	for _, s := range severityOrder {
		if n := d.OpenBySeverity[s]; n > 0 {
			fmt.Fprintf(&b, "  %-9s %d\n", s, n)
		}
	}
	if len(d.OpenByKind) > 0 {
		b.WriteString("By kind:\n")
		for _, k := range d.kindsSorted() {
			fmt.Fprintf(&b, "  %-24s %d\n", k, d.OpenByKind[k])
		}
	}
	if lines := d.stakeLines(); len(lines) > 0 {
		b.WriteString("Money at stake:\n")
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	fmt.Fprintf(&b, "\nThis week: %d opened, %d resolved, %d ignored\n", d.Opened, d.Resolved, d.Ignored)
	fmt.Fprintf(&b, "Repairs: %d approved, %d verified\n", d.RepairsApproved, d.RepairsVerified)
	fmt.Fprintf(&b, "Checks: %d run, %d failed\n", d.ChecksRun, d.ChecksFailed)
	fmt.Fprintf(&b, "Stripe webhooks: %d received, %d refused for a bad signature\n", d.WebhookDeliveries, d.SignatureFailures)
	if d.Oldest != nil && d.OldestSince != nil {
		fmt.Fprintf(&b, "\nOldest open incident (since %s): %s\n", d.OldestSince.UTC().Format("Jan 2, 2006"), incidentLine(*d.Oldest))
		if d.Oldest.URL != "" {
			b.WriteString("  " + d.Oldest.URL + "\n")
		}
	}
	return b.String()
}

type emailData struct {
	Message
	Subject    string
	Shown      []Incident
	More       int
	Severities []string
	Kinds      []kindCount // the digest's open kinds, most first
}

type kindCount struct {
	Kind string
	N    int
}

// StakeLines are the digest's money at stake for the template.
func (d Digest) StakeLines() []string { return d.stakeLines() }

var severityColor = map[string]string{"critical": "#b91c1c", "high": "#c2410c", "medium": "#a16207", "low": "#4b5563"}

var emailHTML = template.Must(template.New("email").Funcs(template.FuncMap{
	"color": func(s string) string { return severityColor[s] },
}).Parse(`<!doctype html>
<html><body style="margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111827">
<div style="max-width:600px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:24px">
<h1 style="font-size:18px;margin:0 0 16px">{{.Subject}}</h1>
{{if eq .Event "incidents"}}
<table style="width:100%;border-collapse:collapse;font-size:14px">
{{range .Shown}}<tr><td style="padding:8px 0;border-top:1px solid #f3f4f6;vertical-align:top">
<span style="color:{{color .Severity}};font-weight:600;text-transform:uppercase;font-size:11px">{{.Severity}}</span>
<strong>{{.Kind}}</strong> · <code>{{if .CustomerID}}{{.CustomerID}}{{else}}{{.Subject}}{{end}}</code><br>
{{.Summary}}{{if .URL}}<br><a href="{{.URL}}" style="color:#4338ca">Open incident</a>{{end}}</td></tr>
{{end}}</table>
{{if gt .More 0}}<p style="font-size:14px"><a href="{{.IncidentsURL}}" style="color:#4338ca">and {{.More}} more</a></p>{{end}}
{{else if eq .Event "check_failing"}}
<p style="font-size:14px">Two scheduled checks in a row failed, so ParityRail cannot tell whether access matches billing.</p>
<p style="font-size:14px"><strong>Last error:</strong> {{.CheckError}}</p>
{{else if eq .Event "check_recovered"}}
<p style="font-size:14px">A scheduled check finished again.</p>
{{else if eq .Event "digest"}}{{with .Digest}}
<p style="font-size:13px;color:#6b7280">Week of {{.WeekStart.UTC.Format "Jan 2"}} to {{.WeekEnd.UTC.Format "Jan 2, 2006"}} (UTC)</p>
<h2 style="font-size:15px;margin:16px 0 8px">Open incidents: {{.OpenTotal}}</h2>
<table style="border-collapse:collapse;font-size:14px">
{{range $.Severities}}{{$n := index $.Digest.OpenBySeverity .}}{{if $n}}<tr><td style="padding:2px 16px 2px 0;color:{{color .}};font-weight:600">{{.}}</td><td>{{$n}}</td></tr>{{end}}{{end}}
</table>
{{if $.Kinds}}<table style="border-collapse:collapse;font-size:14px;margin-top:8px">
{{range $.Kinds}}<tr><td style="padding:2px 16px 2px 0"><code>{{.Kind}}</code></td><td>{{.N}}</td></tr>{{end}}
</table>{{end}}
{{if .StakeLines}}<p style="font-size:14px"><strong>Money at stake:</strong> {{range $i, $l := .StakeLines}}{{if $i}}, {{end}}{{$l}}{{end}}</p>{{end}}
<h2 style="font-size:15px;margin:16px 0 8px">This week</h2>
<table style="border-collapse:collapse;font-size:14px">
<tr><td style="padding:2px 16px 2px 0">Incidents</td><td>{{.Opened}} opened, {{.Resolved}} resolved, {{.Ignored}} ignored</td></tr>
<tr><td style="padding:2px 16px 2px 0">Repairs</td><td>{{.RepairsApproved}} approved, {{.RepairsVerified}} verified</td></tr>
<tr><td style="padding:2px 16px 2px 0">Checks</td><td>{{.ChecksRun}} run, {{.ChecksFailed}} failed</td></tr>
<tr><td style="padding:2px 16px 2px 0">Stripe webhooks</td><td>{{.WebhookDeliveries}} received, {{.SignatureFailures}} bad signatures</td></tr>
</table>
{{if .Oldest}}<p style="font-size:14px"><strong>Oldest open incident</strong>{{if .OldestSince}} (since {{.OldestSince.UTC.Format "Jan 2, 2006"}}){{end}}:
{{with .Oldest}}<code>{{.Kind}}</code> {{.CustomerID}}{{.Subject}} — {{.Summary}}{{if .URL}} <a href="{{.URL}}" style="color:#4338ca">Open</a>{{end}}{{end}}</p>{{end}}
{{end}}{{else if eq .Event "test"}}
<p style="font-size:14px">This channel works: ParityRail will send notifications here.</p>
{{end}}
{{if .ProjectURL}}<p style="margin-top:20px"><a href="{{.ProjectURL}}" style="display:inline-block;background:#4f46e5;color:#fff;padding:8px 14px;border-radius:6px;text-decoration:none;font-size:14px">Open {{.ProjectName}}</a></p>{{end}}
<p style="font-size:12px;color:#9ca3af;margin-top:24px">ParityRail checks that your app grants exactly the access your billing promises.</p>
</div></body></html>`))
