package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"parityrail/db"
)

// TestNotificationOutboxSurvivesKill9: a check (one process) queues a
// webhook notification; a server (another process) starts sending it and
// is killed with SIGKILL while the receiver holds the request; the next
// server sends it again with the same Idempotency-Key, and it is delivered
// once and for all — nothing lost, and no third try.
func TestNotificationOutboxSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	w := newCLIWorld(t, 3, 0)
	ctx := context.Background()

	var mu sync.Mutex
	var keys []string
	hold := make(chan struct{})
	arrived := make(chan struct{}, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		arrived <- struct{}{}
		if first {
			<-hold // the first process dies before it hears back
			return
		}
	}))
	defer recv.Close()
	defer close(hold)

	v, store := localState(t)
	defer store.Close()
	owner, _ := store.GetUserByEmail(ctx, "o@example.com")
	if _, err := store.CompleteGoLive(ctx, db.GoLive{ProjectID: w.project, UserID: owner.ID}); err != nil {
		t.Fatal(err)
	}
	url, _ := v.Seal(recv.URL)
	secret, _ := v.Seal("whsec_test")
	if _, err := store.CreateChannel(ctx, db.Channel{ProjectID: w.project, Kind: "webhook", Name: "bridge", SealedTarget: url, Label: "x",
		SealedSecret: secret, Events: db.ChannelEvents{Incidents: []string{"critical"}}}); err != nil {
		t.Fatal(err)
	}
	// The check queues the notification (the CLI sends nothing itself).
	if code, out, errOut := cli(t, nil, "check", "--project", w.project, "--fail-on", "none"); code != 0 {
		t.Fatalf("check: %d\n%s\n%s", code, out, errOut)
	}

	serve := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCLIHelperProcess$", "--", "serve", "--addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "PARITYRAIL_CLI_HELPER=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s arrived", what)
		}
	}
	first := serve()
	wait("first delivery")
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	second := serve()
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	wait("delivery after the restart")
	deadline := time.Now().Add(20 * time.Second)
	for {
		log, err := store.Deliveries(ctx, w.project)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) > 0 {
			// The killed process recorded nothing; the restart's try is the second.
			if len(log) != 1 || log[0].Result != "delivered" || log[0].Attempt != 2 {
				t.Errorf("delivery log %+v", log)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not delivered after the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // a poll or two later: no third try
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 || keys[0] != keys[1] || keys[0] == "" {
		t.Errorf("deliveries with keys %v: want the same key twice", keys)
	}
}
