package notification

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Slack Block Kit: a header, a section per incident (at most MaxShown) with
// the severity as an emoji, an "and N more" link, and the top-level text
// fallback that Mattermost and phone notifications show alone.

var severityEmoji = map[string]string{
	"critical": ":red_circle:",
	"high":     ":large_orange_circle:",
	"medium":   ":large_yellow_circle:",
	"low":      ":white_circle:",
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func slackLink(url, text string) string {
	if url == "" {
		return slackEscape(text)
	}
	return "<" + url + "|" + slackEscape(text) + ">"
}

func section(text string) slackBlock {
	return slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncateRunes(text, slackSectionMax)}}
}

// Slack's limits: a header's plain text, a section's text.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	summaryMax      = 300 // one incident's summary, in runes
)

// SlackPayload renders a message for a Slack incoming webhook (Mattermost's
// are compatible). The top-level "text" says it all in one line: it is what
// phone notifications and Mattermost show.
func SlackPayload(m Message) ([]byte, error) {
	head := Headline(m)
	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: truncateRunes(head, slackHeaderMax)}}}
	text := slackEscape(head)
	switch m.Event {
	case EventIncidents:
		for _, i := range m.shown() {
			line := fmt.Sprintf("%s *%s* · %s", emoji(i.Severity), slackEscape(i.Kind), slackWho(i))
			blocks = append(blocks, section(line+"\n"+slackEscape(truncateRunes(oneLine(i.Summary), summaryMax))+"\n"+slackLink(i.URL, "Open incident")))
		}
		if more := m.total() - len(m.shown()); more > 0 {
			blocks = append(blocks, section(slackLink(m.IncidentsURL, fmt.Sprintf("and %d more", more))))
		}
		text = fmt.Sprintf("%s: %s", text, countBySeverity(m.Incidents, m.total()))
		if m.IncidentsURL != "" {
			text += " " + m.IncidentsURL
		}
	case EventCheckFailing:
		blocks = append(blocks, section("Two scheduled checks in a row failed, so ParityRail cannot tell whether access matches billing.\n*Last error:* "+
			slackEscape(truncateRunes(m.CheckError, 1500))+"\n"+slackLink(m.ProjectURL, "Open the project")))
		if e := oneLine(m.CheckError); e != "" {
			text += ": " + slackEscape(truncateRunes(e, summaryMax))
		}
	case EventCheckRecovered:
		blocks = append(blocks, section("A scheduled check finished again. "+slackLink(m.ProjectURL, "Open the project")))
		text += ": a scheduled check finished again."
	case EventDigest:
		if d := m.Digest; d != nil {
			blocks = append(blocks, section(digestSlack(*d)), section(slackLink(m.ProjectURL, "Open the project")))
			text = fmt.Sprintf("%s; this week %d opened, %d resolved, %d checks run (%d failed)", text, d.Opened, d.Resolved, d.ChecksRun, d.ChecksFailed)
		}
	case EventTest:
		blocks = append(blocks, section("This channel works: ParityRail will post here. "+slackLink(m.ProjectURL, "Open the project")))
		text += ": this channel works."
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: truncateRunes("ParityRail · "+slackEscape(oneLine(m.ProjectName)), slackSectionMax)}}})
	return json.Marshal(struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{Text: text, Blocks: blocks})
}

// emoji is a severity as Slack shows it.
func emoji(severity string) string {
	if e, ok := severityEmoji[severity]; ok {
		return e
	}
	return ":white_circle:"
}

// slackWho is who an incident is about: the customer id, and the app
// subject when there is one.
func slackWho(i Incident) string {
	var parts []string
	if i.CustomerID != "" {
		parts = append(parts, "`"+slackEscape(i.CustomerID)+"`")
	}
	if s := oneLine(i.Subject); s != "" {
		parts = append(parts, slackEscape(s))
	}
	if len(parts) == 0 {
		return "no customer"
	}
	return strings.Join(parts, " · ")
}

// countBySeverity: "1 critical, 2 high" (counted over what the message
// carries; the rest as "N more").
func countBySeverity(in []Incident, total int) string {
	counts := map[string]int{}
	for _, i := range in {
		counts[i.Severity]++
	}
	var parts []string
	for _, s := range severityOrder {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if rest := total - len(in); rest > 0 {
		parts = append(parts, fmt.Sprintf("%d more", rest))
	}
	return strings.Join(parts, ", ")
}

func digestSlack(d Digest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Open now:* %d", d.OpenTotal())
	for _, s := range severityOrder {
		if n := d.OpenBySeverity[s]; n > 0 {
			fmt.Fprintf(&b, " · %s %d %s", severityEmoji[s], n, s)
		}
	}
	if lines := d.stakeLines(); len(lines) > 0 {
		fmt.Fprintf(&b, "\n*Money at stake:* %s", slackEscape(strings.Join(lines, ", ")))
	}
	fmt.Fprintf(&b, "\n*This week:* %d opened, %d resolved, %d ignored · repairs %d approved, %d verified · checks %d run, %d failed · webhooks %d received, %d bad signatures",
		d.Opened, d.Resolved, d.Ignored, d.RepairsApproved, d.RepairsVerified, d.ChecksRun, d.ChecksFailed, d.WebhookDeliveries, d.SignatureFailures)
	if d.Oldest != nil && d.OldestSince != nil {
		fmt.Fprintf(&b, "\n*Oldest open:* %s (%s, since %s)", slackLink(d.Oldest.URL, d.Oldest.Kind), slackWho(*d.Oldest),
			d.OldestSince.UTC().Format("Jan 2"))
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
