package billing

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRequestsValidAgainstStripeMock runs connect and every read against
// stripe-mock, Stripe's official mock, which validates each request
// (paths, parameters, expansions) against Stripe's OpenAPI description and
// answers 400 to anything Stripe wouldn't accept. Install it with
// `go install github.com/stripe/stripe-mock@v0.203.0`; the test skips when
// it is absent unless PARITYRAIL_REQUIRE_STRIPE_MOCK=1.
func TestRequestsValidAgainstStripeMock(t *testing.T) {
	bin := findStripeMock()
	if bin == "" {
		if os.Getenv("PARITYRAIL_REQUIRE_STRIPE_MOCK") == "1" {
			t.Fatal("stripe-mock not found (go install github.com/stripe/stripe-mock@v0.203.0)")
		}
		t.Skip("stripe-mock not installed; go install github.com/stripe/stripe-mock@v0.203.0")
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-http-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(t, addr)

	c, err := New(Config{Key: "sk_test_123456789", APIBase: "http://" + addr, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	if _, err := c.TestConnection(ctx, ProbeOptions{Entitlements: true, CheckoutSessions: true}); err != nil {
		t.Fatalf("TestConnection: %v", err)
	}
	all, err := c.ReadAll(ctx)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if len(all) == 0 {
		t.Fatal("stripe-mock returns fixtures; ReadAll found none")
	}
	if _, err := c.ReadCustomer(ctx, all[0].Customer.ID); err != nil {
		t.Fatalf("ReadCustomer: %v", err)
	}
	if _, err := c.PricesInUse(ctx); err != nil {
		t.Fatalf("PricesInUse: %v", err)
	}
	if _, err := c.ActiveEntitlements(ctx, all[0].Customer.ID); err != nil {
		t.Fatalf("ActiveEntitlements: %v", err)
	}
}

func findStripeMock() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(os.Getenv("GOPATH"), "bin"), filepath.Join(os.Getenv("HOME"), "go", "bin")} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "stripe-mock")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			conn.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stripe-mock did not start on %s", addr)
}
