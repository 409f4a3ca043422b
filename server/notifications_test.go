package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"parityrail/db"
	"parityrail/notification"
	"parityrail/notifier"
	"parityrail/testutil/smtptest"
)

// receiver is an HTTP endpoint standing in for Slack or a webhook
// consumer: it keeps what arrives and answers what the test tells it.
type receiver struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	answers []int // statuses to answer in turn; 200 after them
	srv     *httptest.Server
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := 200
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		if status == 200 {
			r.bodies = append(r.bodies, b)
			r.headers = append(r.headers, req.Header.Clone())
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		switch status {
		case 200:
			io.WriteString(w, "ok")
		case 404:
			io.WriteString(w, "no_service")
		default:
			io.WriteString(w, "try later")
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// notifyWorld is a live project (Clerk + Stripe fakes) whose first check
// finds a paid_without_access (critical) and an access_without_payment
// (high) incident.
func newNotifyWorld(t *testing.T) (*checkWorld, *notifier.Notifier, *time.Time) {
	w := newCheckWorld(t)
	var me db.User
	w.owner.mustDo("GET", "/api/me", nil, 200).json(t, &me)
	if _, err := w.app.db.CompleteGoLive(t.Context(), db.GoLive{ProjectID: w.project, UserID: me.ID}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	n := &notifier.Notifier{DB: w.app.db, Vault: w.app.s.vault, BaseURL: "https://parityrail.example.com", Now: func() time.Time { return now }}
	return w, n, &now
}

func (w *checkWorld) addChannel(body map[string]any) channelView {
	w.app.t.Helper()
	var ch channelView
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/notification-channels", body, 201).json(w.app.t, &ch)
	return ch
}

var criticalAndHigh = map[string]any{"incidents": []string{"critical", "high"}, "check_failing": true, "digest": true}

func TestChannelsAPIValidatesAndNeverReturnsAddresses(t *testing.T) {
	w := newCheckWorld(t)
	slack := newReceiver(t)
	base := "/api/projects/" + w.project + "/notification-channels"
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "slack", "name": "x", "url": "http://hooks.example.com/a", "events": criticalAndHigh}, "url"},
		{map[string]any{"kind": "slack", "name": "x", "events": criticalAndHigh}, "url"},
		{map[string]any{"kind": "email", "name": "x", "recipients": []string{"not-an-address"}, "events": criticalAndHigh}, "recipients"},
		{map[string]any{"kind": "email", "name": "x", "recipients": []string{}, "events": criticalAndHigh}, "recipients"},
		{map[string]any{"kind": "slack", "name": "x", "url": slack.srv.URL, "events": map[string]any{"incidents": []string{}}}, "events"},
		{map[string]any{"kind": "slack", "name": "x", "url": slack.srv.URL, "events": map[string]any{"incidents": []string{"urgent"}}}, "events"},
		{map[string]any{"kind": "pager", "name": "x", "url": slack.srv.URL, "events": criticalAndHigh}, "kind"},
		{map[string]any{"kind": "slack", "name": " ", "url": slack.srv.URL, "events": criticalAndHigh}, "name"},
	} {
		var e errorBody
		w.owner.mustDo("POST", base, c.body, 400).json(t, &e)
		if e.Error.Field != c.field {
			t.Errorf("%v: field %q (%s), want %q", c.body, e.Error.Field, e.Error.Message, c.field)
		}
	}
	var l list[channelView]
	w.member.mustDo("GET", base, nil, 200).json(t, &l)
	if len(l.Items) != 0 {
		t.Fatalf("a refused channel was stored: %+v", l.Items)
	}
	// A member cannot add one.
	w.member.mustDo("POST", base, map[string]any{"kind": "slack", "name": "x", "url": slack.srv.URL, "events": criticalAndHigh}, 403)

	s := w.addChannel(map[string]any{"kind": "slack", "name": "#billing", "url": slack.srv.URL + "/services/T000/B000/secretpart", "events": criticalAndHigh})
	hook := w.addChannel(map[string]any{"kind": "webhook", "name": "bridge", "url": slack.srv.URL + "/hook", "events": criticalAndHigh})
	if s.Secret != "" || hook.Secret == "" || strings.Contains(s.Label, "secretpart") || s.Status != "ok" {
		t.Fatalf("created: %+v %+v", s, hook)
	}
	raw := w.member.mustDo("GET", base, nil, 200)
	if strings.Contains(string(raw.Body), "secretpart") || strings.Contains(string(raw.Body), hook.Secret) {
		t.Fatalf("list leaks an address or secret: %s", raw.Body)
	}
	// Rotating answers a new secret once.
	var rotated channelView
	w.owner.mustDo("PATCH", base+"/"+hook.ID, map[string]any{"rotate_secret": true}, 200).json(t, &rotated)
	if rotated.Secret == "" || rotated.Secret == hook.Secret {
		t.Errorf("rotate: %+v", rotated)
	}
	w.owner.mustDo("DELETE", base+"/"+hook.ID, nil, 204)
	w.owner.mustDo("DELETE", base+"/"+hook.ID, nil, 404)
}

func TestSendTestShowsTheAnswerAndABrokenChannelSaysWhy(t *testing.T) {
	w := newCheckWorld(t)
	good, gone := newReceiver(t), newReceiver(t, 404)
	base := "/api/projects/" + w.project + "/notification-channels/"
	ok := w.addChannel(map[string]any{"kind": "slack", "name": "#ok", "url": good.srv.URL, "events": criticalAndHigh})
	bad := w.addChannel(map[string]any{"kind": "slack", "name": "#gone", "url": gone.srv.URL, "events": criticalAndHigh})

	var r testResult
	w.owner.mustDo("POST", base+ok.ID+"/test", nil, 200).json(t, &r)
	if !r.Delivered || r.Status != 200 || len(good.got()) != 1 {
		t.Fatalf("test to a working channel: %+v", r)
	}
	var slackMsg struct {
		Text string `json:"text"`
	}
	json.Unmarshal(good.got()[0], &slackMsg)
	if !strings.Contains(slackMsg.Text, "Acme") {
		t.Errorf("test message text %q does not name the project", slackMsg.Text)
	}
	w.owner.mustDo("POST", base+bad.ID+"/test", nil, 200).json(t, &r)
	if r.Delivered || r.Status != 404 || !strings.Contains(r.Hint+r.Body, "no_service") {
		t.Fatalf("test to a revoked webhook: %+v", r)
	}
	var l list[channelView]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/notification-channels", nil, 200).json(t, &l)
	for _, c := range l.Items {
		if c.ID == bad.ID && (c.Status != "failing" || c.LastError == "") {
			t.Errorf("broken channel not marked failing: %+v", c)
		}
	}
	// A new URL clears it.
	var fixed channelView
	w.owner.mustDo("PATCH", base+bad.ID, map[string]any{"url": good.srv.URL}, 200).json(t, &fixed)
	if fixed.Status != "ok" || fixed.LastError != "" {
		t.Errorf("fixed channel: %+v", fixed)
	}
}

func TestACheckNotifiesEachChannelOnceThroughTheOutbox(t *testing.T) {
	w, n, _ := newNotifyWorld(t)
	slack, hook := newReceiver(t), newReceiver(t)
	w.addChannel(map[string]any{"kind": "slack", "name": "#billing", "url": slack.srv.URL, "events": criticalAndHigh})
	created := w.addChannel(map[string]any{"kind": "webhook", "name": "bridge", "url": hook.srv.URL, "events": map[string]any{"incidents": []string{"critical"}}})
	onlyLow := newReceiver(t)
	w.addChannel(map[string]any{"kind": "slack", "name": "#low", "url": onlyLow.srv.URL, "events": map[string]any{"incidents": []string{"low"}}})
	mailer := smtptest.Start(t, "alerts", "mail-pass-123")
	w.owner.mustDo("PUT", "/api/settings/smtp", map[string]any{"host": mailer.Host, "port": mailer.Port, "username": "alerts",
		"password": "mail-pass-123", "from": "parityrail@example.com", "tls": "none"}, 200)
	w.addChannel(map[string]any{"kind": "email", "name": "on-call", "recipients": []string{"oncall@example.com"}, "events": criticalAndHigh})

	// A dry run notifies nobody.
	w.runCheck(w.owner, map[string]any{"scope": "full", "dry_run": true})
	first := w.runCheck(w.owner, map[string]any{"scope": "full"})
	if err := n.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(slack.got()) != 1 || len(hook.got()) != 1 || len(onlyLow.got()) != 0 || len(mailer.Mails()) != 1 {
		t.Fatalf("after the first check: slack %d, webhook %d, low-only %d, email %d messages", len(slack.got()), len(hook.got()),
			len(onlyLow.got()), len(mailer.Mails()))
	}
	if m := mailer.Mails()[0]; m.To[0] != "oncall@example.com" || !strings.Contains(string(m.Data), "Subject: 2 new access incidents in Acme") {
		t.Errorf("email: %s", m.Data)
	}
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(slack.got()[0], &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "2") || !strings.Contains(msg.Text, "Acme") || !strings.Contains(string(slack.got()[0]), "https://parityrail.example.com/incidents/inc_") {
		t.Errorf("slack message: %s", slack.got()[0])
	}
	// The webhook is signed with the channel's secret, carries the delivery
	// key, and lists only the critical incident.
	body, h := hook.got()[0], hook.headers[0]
	if err := notification.Verify(h.Get("ParityRail-Signature"), created.Secret, body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	var wb struct {
		ID        string `json:"id"`
		Event     string `json:"event"`
		Total     int    `json:"total"`
		CheckID   string `json:"check_id"`
		Incidents []struct {
			Severity string `json:"severity"`
		} `json:"incidents"`
	}
	json.Unmarshal(body, &wb)
	if wb.Event != "incidents" || wb.Total != 1 || len(wb.Incidents) != 1 || wb.Incidents[0].Severity != "critical" ||
		wb.CheckID != first.ID || h.Get("Idempotency-Key") != wb.ID || wb.ID == "" {
		t.Errorf("webhook body %s, idempotency key %q", body, h.Get("Idempotency-Key"))
	}

	// The same incidents seen again notify nobody; sending again sends nothing twice.
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	if err := n.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(slack.got()) != 1 || len(hook.got()) != 1 {
		t.Fatalf("a second check re-notified: slack %d, webhook %d", len(slack.got()), len(hook.got()))
	}
	var log list[db.Delivery]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/notification-deliveries", nil, 200).json(t, &log)
	if len(log.Items) != 3 || log.Items[0].Result != "delivered" {
		t.Errorf("delivery log: %+v", log.Items)
	}
}

func TestDeliveryRetriesWithBackoffAndGivesUpOn404(t *testing.T) {
	w, n, now := newNotifyWorld(t)
	flaky := newReceiver(t, 500, 500, 500)
	gone := newReceiver(t, 404)
	w.addChannel(map[string]any{"kind": "slack", "name": "#flaky", "url": flaky.srv.URL, "events": criticalAndHigh})
	goneCh := w.addChannel(map[string]any{"kind": "slack", "name": "#gone", "url": gone.srv.URL, "events": criticalAndHigh})
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	// 1 min, 5 min, 30 min later: the fourth attempt lands.
	for _, wait := range []time.Duration{0, time.Minute, 5 * time.Minute, 30 * time.Minute} {
		*now = now.Add(wait + time.Second)
		w.app.db.SetClock(func() time.Time { return *now })
		if err := n.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(flaky.got()) != 1 {
		t.Fatalf("flaky receiver got %d messages", len(flaky.got()))
	}
	var log list[db.Delivery]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/notification-deliveries", nil, 200).json(t, &log)
	var flakyTries, goneTries []string
	for _, d := range log.Items {
		if d.ChannelName == "#flaky" {
			flakyTries = append(flakyTries, d.Result)
		} else {
			goneTries = append(goneTries, d.Result)
		}
	}
	if strings.Join(flakyTries, ",") != "delivered,retrying,retrying,retrying" || strings.Join(goneTries, ",") != "failed" {
		t.Errorf("attempts: flaky %v, gone %v", flakyTries, goneTries)
	}
	var l list[channelView]
	w.member.mustDo("GET", "/api/projects/"+w.project+"/notification-channels", nil, 200).json(t, &l)
	for _, c := range l.Items {
		if c.ID == goneCh.ID && (c.Status != "failing" || !strings.Contains(c.LastError, "no_service")) {
			t.Errorf("404 channel: %+v", c)
		}
	}
}

func TestNotificationsSurviveAStopMidSend(t *testing.T) {
	w, n, _ := newNotifyWorld(t)
	slack := newReceiver(t)
	w.addChannel(map[string]any{"kind": "slack", "name": "#billing", "url": slack.srv.URL, "events": criticalAndHigh})
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	// A worker claims the notification and the process dies before sending.
	claimed, err := w.app.db.ClaimNotifications(t.Context(), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %d", err, len(claimed))
	}
	if err := n.RunOnce(t.Context()); err != nil || len(slack.got()) != 0 {
		t.Fatalf("a claimed notification was sent twice: %v %d", err, len(slack.got()))
	}
	// The next start puts it back; it goes out once.
	if k, err := w.app.db.ResetSending(t.Context()); err != nil || k != 1 {
		t.Fatalf("reset: %v %d", err, k)
	}
	for range 2 {
		if err := n.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(slack.got()) != 1 {
		t.Fatalf("after the restart: %d messages", len(slack.got()))
	}
}

func TestDigestPreviewAndSend(t *testing.T) {
	w, n, _ := newNotifyWorld(t)
	w.runCheck(w.owner, map[string]any{"scope": "full"})
	var p digestPreview
	w.member.mustDo("GET", "/api/projects/"+w.project+"/digest/preview", nil, 200).json(t, &p)
	if !strings.Contains(p.Subject, "Acme") || !strings.Contains(p.Text, "paid_without_access") || !strings.Contains(p.HTML, "<") ||
		!strings.Contains(p.Text, "49.00 USD/month") {
		t.Errorf("preview: %+v", p)
	}
	// No channel takes the digest: nothing is sent.
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/digest/send", nil, 409)
	slack := newReceiver(t)
	w.addChannel(map[string]any{"kind": "slack", "name": "#weekly", "url": slack.srv.URL, "events": map[string]any{"digest": true}})
	w.owner.mustDo("POST", "/api/projects/"+w.project+"/digest/send", nil, 202)
	if err := n.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(slack.got()) != 1 || !strings.Contains(string(slack.got()[0]), "Acme") {
		t.Fatalf("digest to slack: %d", len(slack.got()))
	}
}
