package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"parityrail/demo/stripefake"
)

// serveProcess starts `parityrail serve` as its own process and returns it
// with its base URL (read from its log).
func serveProcess(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIHelperProcess$", "--", "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "PARITYRAIL_CLI_HELPER=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the server did not start")
	}
	return nil, ""
}

// TestKill9DuringAWebhookBurst: Stripe sends a burst of events (3 per
// customer) and the server is killed with SIGKILL in the middle. After a
// restart Stripe sends every event again (it retries what was not
// acknowledged, and may repeat what was): no acknowledged event is lost,
// no incident is filed twice, the ledger verifies, and the next check
// finishes.
func TestKill9DuringAWebhookBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const customers = 30
	w := newCLIWorld(t, customers, 0)
	var payloads [][]byte
	for _, sub := range w.subs {
		for _, kind := range []string{"customer.subscription.updated", "invoice.paid", "customer.subscription.updated"} {
			p, err := w.stripe.Event(kind, "subscription", sub)
			if err != nil {
				t.Fatal(err)
			}
			payloads = append(payloads, p)
		}
	}
	send := func(base string, from int, acked *sync.Map, stopAt int) {
		url := base + "/api/webhooks/stripe/" + w.project
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := from; i < len(payloads); i++ {
			if stopAt > 0 && i == stopAt {
				break
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				st, err := stripefake.SendWebhook(context.Background(), http.DefaultClient, url, cliWebhookSecret, payloads[i])
				if err == nil && st == 200 && acked != nil {
					acked.Store(i, true)
				}
			}()
		}
		wg.Wait()
	}

	first, base := serveProcess(t)
	var acked sync.Map
	done := make(chan struct{})
	go func() { send(base, 0, &acked, 0); close(done) }()
	// Kill once some of the burst has been acknowledged.
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; n < len(payloads)/3 && time.Now().Before(deadline); {
		n = 0
		acked.Range(func(any, any) bool { n++; return true })
		time.Sleep(2 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	<-done
	nAcked := 0
	acked.Range(func(any, any) bool { nAcked++; return true })
	if nAcked == 0 || nAcked == len(payloads) {
		t.Fatalf("the kill did not land mid-burst: %d of %d acknowledged", nAcked, len(payloads))
	}

	// Every acknowledged event survived the kill.
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(w.dir, "parityrail.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q string) int {
		var n int
		if err := raw.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count(`SELECT COUNT(*) FROM webhook_events`); got < nAcked {
		t.Fatalf("%d events acknowledged before the kill, %d stored", nAcked, got)
	}

	// Restart; Stripe redelivers the whole burst.
	second, base := serveProcess(t)
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	send(base, 0, nil, 0)
	if got := count(`SELECT COUNT(*) FROM webhook_events`); got != len(payloads) {
		t.Errorf("%d distinct events stored for %d sent", got, len(payloads))
	}
	// The re-checks run: every customer pays for pro and has free.
	deadline = time.Now().Add(60 * time.Second)
	for count(`SELECT COUNT(*) FROM incidents WHERE kind = 'paid_without_access'`) < customers {
		if time.Now().After(deadline) {
			t.Fatalf("re-checks did not file the incidents: %d", count(`SELECT COUNT(*) FROM incidents`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if dup := count(`SELECT COUNT(*) FROM (SELECT customer_id, kind FROM incidents GROUP BY customer_id, kind, subject_key HAVING COUNT(*) > 1)`); dup != 0 {
		t.Errorf("%d incidents filed twice", dup)
	}
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()

	store := openStore(t, w.dir)
	res, err := store.VerifyLedger(context.Background(), "")
	store.Close()
	if err != nil || res.Broken != nil {
		t.Fatalf("ledger: %v %+v", err, res.Broken)
	}
	if code, out, errOut := cli(t, nil, "check", "--project", w.project, "--fail-on", "none"); code != 0 {
		t.Fatalf("the next check: %d\n%s\n%s", code, out, errOut)
	}
	fmt.Printf("kill -9 mid-burst: %d of %d events acknowledged before the kill; all %d stored after the restart; %d ledger entries verify\n",
		nAcked, len(payloads), len(payloads), res.Entries)
}
