// Package notification renders and sends ParityRail's notifications: Slack
// Block Kit messages, multipart emails over SMTP (go-mail) and signed JSON
// webhooks. It is pure delivery: what to send and when is the outbox's
// (db) and the worker's (notifier) business. It imports nothing of ours.
package notification

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Event kinds.
const (
	EventIncidents      = "incidents"       // new or re-opened incidents after a check
	EventCheckFailing   = "check_failing"   // scheduled checks failed twice in a row
	EventCheckRecovered = "check_recovered" // … and then one finished
	EventDigest         = "digest"          // the weekly digest
	EventTest           = "test"            // "Send test"
)

// Incident is one incident in a message.
type Incident struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Severity   string `json:"severity"`
	CustomerID string `json:"customer_id,omitempty"`
	Subject    string `json:"subject,omitempty"` // the app subject (email or id), may be ""
	Summary    string `json:"summary"`
	URL        string `json:"url,omitempty"` // the incident page (absolute)
}

// Message is everything a channel needs to render one notification.
type Message struct {
	Event        string
	ProjectID    string
	ProjectName  string
	ProjectURL   string     // the project dashboard (absolute)
	IncidentsURL string     // the project's active incidents (the "and N more" link)
	Incidents    []Incident // the new incidents; renderers show at most MaxShown
	Total        int        // how many incidents the message is about (may exceed len(Incidents))
	CheckID      string
	CheckError   string // check_failing: why the last check failed
	Digest       *Digest
	At           time.Time
}

// Digest is a project's week.
type Digest struct {
	WeekStart         time.Time      `json:"week_start"`
	WeekEnd           time.Time      `json:"week_end"`
	OpenBySeverity    map[string]int `json:"open_by_severity"`
	OpenByKind        map[string]int `json:"open_by_kind"`
	Opened            int            `json:"opened"`
	Resolved          int            `json:"resolved"`
	Ignored           int            `json:"ignored"`
	RepairsApproved   int            `json:"repairs_approved"`
	RepairsVerified   int            `json:"repairs_verified"`
	ChecksRun         int            `json:"checks_run"`
	ChecksFailed      int            `json:"checks_failed"`
	WebhookDeliveries int            `json:"webhook_deliveries"`
	SignatureFailures int            `json:"signature_failures"`
	Oldest            *Incident      `json:"oldest,omitempty"` // the oldest open incident
	OldestSince       *time.Time     `json:"oldest_since,omitempty"`
	// AtStake is the money the open incidents put at stake per month, per
	// currency and kind (minor units), largest first.
	AtStake []Stake `json:"at_stake,omitempty"`
}

// Stake is money at stake per month in one currency for one kind.
type Stake struct {
	Currency     string `json:"currency"`
	Kind         string `json:"kind"`
	MonthlyMinor int64  `json:"monthly_minor"`
}

// zeroDecimal are Stripe's currencies without minor units.
var zeroDecimal = map[string]bool{"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true,
	"mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true}

// Money is an amount in minor units as people read it: "49.00 USD".
func Money(minor int64, currency string) string {
	c := strings.ToLower(currency)
	if zeroDecimal[c] {
		return fmt.Sprintf("%d %s", minor, strings.ToUpper(c))
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, strings.ToUpper(c))
}

// stakeLines are the digest's money at stake, one line per currency and kind.
func (d Digest) stakeLines() []string {
	var out []string
	for _, st := range d.AtStake {
		out = append(out, fmt.Sprintf("%s/month %s", Money(st.MonthlyMinor, st.Currency), st.Kind))
	}
	return out
}

// MaxShown is how many incidents a Slack message or email lists.
const MaxShown = 10

var severityOrder = []string{"critical", "high", "medium", "low"}

// OpenTotal is how many incidents are open.
func (d Digest) OpenTotal() int {
	n := 0
	for _, c := range d.OpenBySeverity {
		n += c
	}
	return n
}

// kindsSorted lists the digest's open kinds, most first.
func (d Digest) kindsSorted() []string {
	kinds := make([]string, 0, len(d.OpenByKind))
	for k := range d.OpenByKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if d.OpenByKind[kinds[i]] != d.OpenByKind[kinds[j]] {
			return d.OpenByKind[kinds[i]] > d.OpenByKind[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	return kinds
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// total is the message's incident count.
func (m Message) total() int {
	if m.Total > 0 {
		return m.Total
	}
	return len(m.Incidents)
}

// shown are the incidents a message lists.
func (m Message) shown() []Incident {
	if len(m.Incidents) > MaxShown {
		return m.Incidents[:MaxShown]
	}
	return m.Incidents
}

// Headline says the whole message in one line: the email subject, Slack's
// header and the start of its text fallback.
func Headline(m Message) string {
	name := oneLine(m.ProjectName)
	switch m.Event {
	case EventIncidents:
		return fmt.Sprintf("%s in %s", plural(m.total(), "new access incident", "new access incidents"), name)
	case EventCheckFailing:
		return fmt.Sprintf("Checks of %s are failing", name)
	case EventCheckRecovered:
		return fmt.Sprintf("Checks of %s work again", name)
	case EventDigest:
		open := 0
		if m.Digest != nil {
			open = m.Digest.OpenTotal()
		}
		return fmt.Sprintf("Weekly digest of %s: %s", name, plural(open, "open incident", "open incidents"))
	case EventTest:
		return fmt.Sprintf("Test notification from ParityRail (%s)", name)
	}
	return "ParityRail: " + name
}

// incidentLine is one incident in one line of plain text.
func incidentLine(i Incident) string {
	who := i.CustomerID
	if who == "" {
		who = i.Subject
	}
	if who == "" {
		who = "-"
	}
	return fmt.Sprintf("[%s] %s %s: %s", i.Severity, i.Kind, who, oneLine(i.Summary))
}

// LabelURL masks a URL for display: the host, then "…/" and the last four
// characters of the path ("hooks.slack.com/…/x7Qa") — never the whole
// (secret) URL: no user info, no query, and of a short path at most half.
func LabelURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "(unreadable URL)"
	}
	p := []rune(strings.Trim(u.EscapedPath(), "/"))
	n := min(4, len(p)/2)
	if n == 0 {
		return u.Host
	}
	return u.Host + "/…/" + string(p[len(p)-n:])
}

// LabelRecipients masks addresses for display: the first letter of each
// and its domain ("a…@example.com, b…@x.io").
func LabelRecipients(to []string) string {
	parts := make([]string, 0, len(to))
	for _, a := range to {
		a = strings.TrimSpace(a)
		if addr, err := mail.ParseAddress(a); err == nil {
			a = addr.Address
		}
		at := strings.LastIndex(a, "@")
		if at <= 0 {
			parts = append(parts, "…")
			continue
		}
		first := []rune(a[:at])[0]
		parts = append(parts, string(first)+"…"+a[at:])
	}
	return strings.Join(parts, ", ")
}

// IsLoopback reports whether a host name or address is this machine.
func IsLoopback(host string) bool {
	h := strings.Trim(strings.ToLower(host), "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ValidateURL accepts https URLs, and http only for loopback hosts. Its
// errors are for the person who pasted the URL and never repeat it (it may
// be secret and errors get logged).
func ValidateURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("this is not a URL ParityRail can post to; paste the whole address, starting with https://")
	}
	if u.User != nil {
		return errors.New("put credentials in the receiver's own settings, not in the URL")
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return errors.New("use https:// (plain http is only allowed for a receiver on this machine): notifications carry customer ids")
	}
	return nil
}

// oneLine collapses runs of white space (newlines included) into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
