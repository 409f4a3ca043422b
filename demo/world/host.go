package world

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Host serves the demo worlds of a running ParityRail: one world per demo
// project, so a guided fix or a reset in one demo project never shows in
// another. All worlds share one loopback listener; a project's Stripe is at
// /{projectID}/stripe and its Clerk at /{projectID}/clerk/v1, and demo checks
// reach them through the real connectors like any other API.
//
// Worlds live in memory and are built on first use (a few milliseconds), so
// starting the binary stays instant; a restart rebuilds them in their seed
// state relative to the restart.
type Host struct {
	base string // http://127.0.0.1:port
	srv  *http.Server
	now  func() time.Time

	mu     sync.Mutex
	worlds map[string]*World

	requests atomic.Int64
}

// StartHost opens the loopback listener. Close stops it.
func StartHost() (*Host, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo world: listen on loopback: %w", err)
	}
	h := &Host{base: "http://" + ln.Addr().String(), now: time.Now, worlds: map[string]*World{}}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	// Serve returns only when Close closes the server.
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// Close stops serving every world.
func (h *Host) Close() error { return h.srv.Close() }

// Bases returns the API bases of the project's world, building it if it
// does not exist yet: Stripe without /v1 (PARITYRAIL_STRIPE_API_BASE form)
// and Clerk with /v1 (PARITYRAIL_CLERK_API_BASE form).
func (h *Host) Bases(projectID string) (stripeBase, clerkBase string) {
	h.World(projectID)
	return h.base + "/" + projectID + "/stripe", h.base + "/" + projectID + "/clerk/v1"
}

// World returns the project's world, building it in its seed state on
// first use.
func (h *Host) World(projectID string) *World {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, ok := h.worlds[projectID]
	if !ok {
		w = Build(h.now())
		h.worlds[projectID] = w
	}
	return w
}

// Reset replaces the project's world with a fresh one in its seed state,
// relative to now: whatever was changed in its Stripe or Clerk is gone.
func (h *Host) Reset(projectID string) *World {
	w := Build(h.now())
	h.mu.Lock()
	h.worlds[projectID] = w
	h.mu.Unlock()
	return w
}

// AppSeed is what seeds the project's SQL app: the SQLite script of its
// world, and a version naming the world it was built from. A world rebuilt
// (a restart, a reset) has a new version, so its SQL app is seeded again
// and never disagrees with its Stripe.
func (h *Host) AppSeed(projectID string) (version, script string) {
	w := h.World(projectID)
	return fmt.Sprintf("%s/%p", w.Now.Format(time.RFC3339), w), w.SQLite
}

// Forget drops the project's world (the project was deleted).
func (h *Host) Forget(projectID string) {
	h.mu.Lock()
	delete(h.worlds, projectID)
	h.mu.Unlock()
}

// Requests is how many API requests the host has answered, for tests that
// prove a real project never reaches the demo.
func (h *Host) Requests() int64 { return h.requests.Load() }

// ServeHTTP routes /{projectID}/stripe/… and /{projectID}/clerk/… to the
// project's world. Only worlds that exist answer: a stray request cannot
// make the host build worlds.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	rest := strings.TrimPrefix(r.URL.Path, "/")
	projectID, rest, _ := strings.Cut(rest, "/")
	service, rest, _ := strings.Cut(rest, "/")
	h.mu.Lock()
	world, ok := h.worlds[projectID]
	h.mu.Unlock()
	var next http.Handler
	switch {
	case !ok:
	case service == "stripe":
		next = world.Stripe
	case service == "clerk":
		next = world.Clerk
	}
	if next == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"No demo world at this path."}}`))
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	next.ServeHTTP(w, r2)
}
