package world

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Serve serves the world's Stripe and Clerk on loopback listeners until ctx
// ends, so demo checks go through the real connectors. stripeBase is the
// Stripe API base (PARITYRAIL_STRIPE_API_BASE form, without /v1); clerkBase
// is the Clerk Backend API base including /v1.
func Serve(ctx context.Context, w *World) (stripeBase, clerkBase string, err error) {
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sl.Close()
		return "", "", err
	}
	servers := []*http.Server{
		{Handler: w.Stripe, ReadHeaderTimeout: 10 * time.Second},
		{Handler: w.Clerk, ReadHeaderTimeout: 10 * time.Second},
	}
	for i, ln := range []net.Listener{sl, cl} {
		// Serve returns only when the server is closed below.
		go func() { _ = servers[i].Serve(ln) }()
	}
	go func() {
		<-ctx.Done()
		for _, s := range servers {
			s.Close()
		}
	}()
	return "http://" + sl.Addr().String(), "http://" + cl.Addr().String() + "/v1", nil
}
