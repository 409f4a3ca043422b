package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"parityrail/db"
	"parityrail/testutil/storetest"
	"parityrail/vault"
)

// TestWeeklyDigestGoesOutOnItsScheduleOnce: the digest job queues the
// digest when the schedule comes due (Monday 08:00 UTC by default), only
// to channels that chose it, once per slot; the worker delivers it.
func TestWeeklyDigestGoesOutOnItsScheduleOnce(t *testing.T) {
	ctx := context.Background()
	store, _ := storetest.Open(t)
	v, _ := vault.New(bytes.Repeat([]byte{7}, 32))
	owner, err := store.CreateOwner(ctx, "o@example.com", "O", "x")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := store.CreateProject(ctx, "Acme")
	if _, err := store.CompleteGoLive(ctx, db.GoLive{ProjectID: p.ID, UserID: owner.ID}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer recv.Close()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	// Sunday evening: the clock starts; nothing is due.
	now := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store.SetClock(clock)
	n := &Notifier{DB: store, Vault: v, BaseURL: "https://pr.example.com", Now: clock}
	job := Digests{Notifier: n}
	tick := func() {
		t.Helper()
		if err := job.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if err := n.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick()

	// No channel takes the digest: Monday 08:00 sends nothing.
	sealed, _ := v.Seal(recv.URL)
	if _, err := store.CreateChannel(ctx, db.Channel{ProjectID: p.ID, Kind: "slack", Name: "#alerts", SealedTarget: sealed, Label: "x",
		Events: db.ChannelEvents{Incidents: []string{"critical"}}}); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 7, 8, 0, 30, 0, time.UTC)
	tick()
	if count() != 0 {
		t.Fatalf("a channel without the digest got %d messages", count())
	}

	// One that chose it gets next week's, once, however often cron asks.
	if _, err := store.CreateChannel(ctx, db.Channel{ProjectID: p.ID, Kind: "slack", Name: "#weekly", SealedTarget: sealed, Label: "x",
		Events: db.ChannelEvents{Digest: true}}); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 14, 7, 59, 0, 0, time.UTC)
	tick()
	if count() != 0 {
		t.Fatal("the digest went out before its time")
	}
	now = time.Date(2026, 12, 14, 8, 0, 10, 0, time.UTC)
	tick()
	now = now.Add(time.Minute)
	tick()
	if count() != 1 {
		t.Fatalf("digest messages: %d, want 1", count())
	}
	var msg struct {
		Text string `json:"text"`
	}
	json.Unmarshal([]byte(got[0]), &msg)
	if !strings.HasPrefix(msg.Text, "Weekly digest of Acme: 0 open incidents") {
		t.Errorf("digest text %q", msg.Text)
	}
}
