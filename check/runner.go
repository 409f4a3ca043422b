package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"parityrail/sources"
	"slices"
	"strings"
	"sync"
	"time"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
)

// Scopes and triggers.
const (
	ScopeFull     = "full"
	ScopeRecent   = "recent"
	ScopeCustomer = "customer"

	TriggerPerson   = "person"
	TriggerSchedule = "schedule"
	TriggerWebhook  = "webhook"
	TriggerAPI      = "api"
	TriggerDryRun   = "dry_run"
)

// RecentWindow is how far back the recent check looks.
const RecentWindow = 2 * time.Hour

// Request asks for a check of one project.
type Request struct {
	ProjectID string
	Scope     string
	// CustomerIDs and SubjectKeys: what a customer-scope check re-checks
	// (subject keys for app subjects linked to no Stripe customer).
	CustomerIDs []string
	SubjectKeys []string
	Trigger     string
	DryRun      bool
	// StartedBy is the person's user id, if a person asked.
	StartedBy string
	// Actor is who the ledger names: the user id, "schedule", "webhook",
	// "cli" or "api".
	Actor string
	// ResolveAs names the resolution of incidents this check verifies
	// (incident id → e.g. "verified after repair"); any other incident it
	// resolves gets "promise holds".
	ResolveAs map[string]string
}

// Summary is what a check found beyond its counts; it is stored on the
// check (JSON) and is the dry run's answer.
type Summary struct {
	Customers          int             `json:"customers"`  // Stripe customers read
	Subjects           int             `json:"subjects"`   // app subjects read
	Kinds              map[string]int  `json:"kinds"`      // findings per incident kind
	Severities         map[string]int  `json:"severities"` // findings per severity
	UnmappedPrices     []UnmappedPrice `json:"unmapped_prices"`
	UnmatchedCustomers int             `json:"unmatched_customers"`
	UnmatchedSample    []string        `json:"unmatched_sample"`
	// UnlinkedSubjects are app subjects linked to no Stripe customer, or to
	// one Stripe does not know.
	UnlinkedSubjects int             `json:"unlinked_subjects"`
	Pending          int             `json:"pending"` // customers whose incomplete first payment is still pending
	PromisesChanged  int             `json:"promises_changed"`
	PromisesRecorded int             `json:"promises_recorded"` // first seen (a project's first full check records them silently)
	Sample           []SampleFinding `json:"sample,omitempty"`  // dry run: a few findings of each kind
	WouldResolve     int             `json:"would_resolve,omitempty"`
	StripeRequests   int64           `json:"stripe_requests"`
	AccessRequests   int64           `json:"access_requests,omitempty"`
	DurationMS       int64           `json:"duration_ms"`
	// RecentAsFull: the recent check had so many customers to re-check that
	// reading the whole account was cheaper; it ran as a full check.
	RecentAsFull bool `json:"recent_as_full,omitempty"`
	// PhasesMS is how long each phase took (reading_billing, reading_app, …).
	PhasesMS map[string]int64 `json:"phases_ms"`
}

// UnmappedPrice is a granting price with no plan mapping row.
type UnmappedPrice struct {
	PriceID   string `json:"price_id"`
	Customers int    `json:"customers"`
}

// SampleFinding is one finding of a dry run, as people read it.
type SampleFinding struct {
	Kind       string      `json:"kind"`
	Severity   string      `json:"severity"`
	CustomerID string      `json:"customer_id,omitempty"`
	Subject    string      `json:"subject,omitempty"`
	Summary    string      `json:"summary"`
	Fields     []fieldView `json:"fields"`
	New        bool        `json:"new"` // no incident is open for it yet
}

func newSummary() *Summary {
	return &Summary{Kinds: map[string]int{}, Severities: map[string]int{}, UnmappedPrices: []UnmappedPrice{}, UnmatchedSample: []string{}, PhasesMS: map[string]int64{}}
}

// Result is a finished (or failed) check.
type Result struct {
	Check   db.Check
	Summary Summary
	// Outcomes of a customer-scope check: what each customer and subject
	// looks like now (a re-check's answer).
	Outcomes []Outcome
}

// Outcome is one re-checked customer (or unlinked subject) as read now.
type Outcome struct {
	CustomerID string                `json:"customer_id,omitempty"`
	SubjectKey string                `json:"subject_key,omitempty"`
	Known      bool                  `json:"known"` // Stripe knows the customer
	Promise    *fulfillment.Promise  `json:"promise,omitempty"`
	Subjects   []fulfillment.Subject `json:"subjects"`
	Findings   []fulfillment.Finding `json:"findings"`
}

// SourceOpener opens a project's sources; *Opener is the real one.
type SourceOpener interface {
	Open(ctx context.Context, p db.Project) (*sources.Sources, error)
}

// Runner runs checks. One runner serves the server, the scheduler and the
// webhook worker of a process; the database enforces one running check per
// project across processes.
type Runner struct {
	DB     *db.DB
	Opener SourceOpener
	Log    *slog.Logger
	// Now is the clock promises are derived at (tests move it).
	Now func() time.Time
	// BatchSize is how many writes go in one transaction (default 500).
	BatchSize int
	// ProgressEvery is how often a running check stores its progress and
	// heartbeat (default 1 s).
	ProgressEvery time.Duration
	// EntitlementWorkers read active entitlements concurrently (default 4).
	EntitlementWorkers int
	// Ended, when set, is told of every check's end (metrics).
	Ended func(project db.Project, c db.Check, sum Summary)

	mu      sync.Mutex
	wg      sync.WaitGroup
	base    context.Context
	cancel  context.CancelFunc
	stopped bool
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// RequestError is a request that cannot start a check; its message says why.
type RequestError struct {
	Code    string
	Message string
}

func (e *RequestError) Error() string { return e.Message }

func (r *Runner) validate(req *Request) error {
	switch req.Scope {
	case ScopeFull, ScopeRecent:
		req.CustomerIDs, req.SubjectKeys = nil, nil
	case ScopeCustomer:
		var ids []string
		for _, id := range req.CustomerIDs {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		req.CustomerIDs = ids
		for _, k := range req.SubjectKeys {
			if _, _, _, ok := sources.ParseSubjectKey(k); !ok {
				return &RequestError{Code: "invalid_subject", Message: fmt.Sprintf("%q is not an app subject.", k)}
			}
		}
		if len(req.CustomerIDs)+len(req.SubjectKeys) == 0 {
			return &RequestError{Code: "customer_required", Message: "A customer check needs the Stripe customer id (cus_…)."}
		}
	default:
		return &RequestError{Code: "invalid_scope", Message: "The scope must be full, recent or customer."}
	}
	if req.DryRun {
		req.Trigger = TriggerDryRun
	}
	switch req.Trigger {
	case TriggerPerson, TriggerSchedule, TriggerWebhook, TriggerAPI, TriggerDryRun:
	case "":
		req.Trigger = TriggerPerson
	default:
		return &RequestError{Code: "invalid_trigger", Message: "Unknown trigger " + req.Trigger + "."}
	}
	if req.Actor == "" {
		req.Actor = req.StartedBy
	}
	if req.Actor == "" {
		req.Actor = req.Trigger
	}
	return nil
}

// prepared is a check that holds the project's lock with its sources open.
type prepared struct {
	req     Request
	project db.Project
	check   db.Check
	src     *sources.Sources
}

// prepare validates the request, opens the sources and takes the project's
// check lock: every reason a check cannot start surfaces here, before
// anything runs (*RequestError, *sources.SourceError, *db.BusyError).
func (r *Runner) prepare(ctx context.Context, req Request) (*prepared, error) {
	if err := r.validate(&req); err != nil {
		return nil, err
	}
	p, err := r.DB.GetProject(ctx, req.ProjectID)
	if err != nil {
		return nil, err
	}
	if running, err := r.DB.RunningCheck(ctx, p.ID); err == nil && r.now().Sub(running.HeartbeatAt) <= db.StaleCheckAfter {
		return nil, &db.BusyError{Running: running}
	}
	src, err := r.Opener.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	c, err := r.DB.BeginCheck(ctx, db.Check{ProjectID: p.ID, Scope: req.Scope, CustomerIDs: req.CustomerIDs,
		SubjectKeys: req.SubjectKeys, Trigger: req.Trigger, DryRun: req.DryRun, StartedBy: req.StartedBy}, req.Actor)
	if err != nil {
		src.Close()
		return nil, err
	}
	return &prepared{req: req, project: p, check: c, src: src}, nil
}

// Run runs a check to its end and returns it. A check that ran and failed
// (a source error) comes back with err == nil and Check.Status "failed";
// err is for checks that could not start.
func (r *Runner) Run(ctx context.Context, req Request) (Result, error) {
	p, err := r.prepare(ctx, req)
	if err != nil {
		return Result{}, err
	}
	return r.execute(ctx, p), nil
}

// Start begins a check and runs it in the background; the answer is the
// running check. Wait or Shutdown waits for background checks.
func (r *Runner) Start(ctx context.Context, req Request) (db.Check, error) {
	r.mu.Lock()
	if r.base == nil {
		r.base, r.cancel = context.WithCancel(context.Background())
	}
	base, stopped := r.base, r.stopped
	r.mu.Unlock()
	if stopped {
		return db.Check{}, &RequestError{Code: "shutting_down", Message: "ParityRail is shutting down; start the check again after it restarts."}
	}
	p, err := r.prepare(ctx, req)
	if err != nil {
		return db.Check{}, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		res := r.execute(base, p)
		if res.Check.Status == "failed" {
			r.log().Warn("check failed", "project", p.project.ID, "check", res.Check.ID, "error", res.Check.Error)
		}
	}()
	return p.check, nil
}

// Wait blocks until every background check has ended.
func (r *Runner) Wait() { r.wg.Wait() }

// Shutdown stops background checks (they end as failed: interrupted) and
// waits for them, up to ctx.
func (r *Runner) Shutdown(ctx context.Context) {
	r.mu.Lock()
	r.stopped = true
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// execute runs a prepared check and records its end.
func (r *Runner) execute(ctx context.Context, p *prepared) Result {
	defer p.src.Close()
	start := time.Now()
	n := &counts{}
	n.phase.Store("starting")
	sum := newSummary()
	x := &run{r: r, p: p, src: p.src, now: r.now(), n: n, sum: sum,
		sink: newSink(r.DB, p.check, p.req.Actor, n, sum, r.BatchSize)}
	x.sink.resolveAs = p.req.ResolveAs
	x.plans, x.policy = *p.src.Mapping.Plans, *p.src.Mapping.Policy
	x.sink.policyVersion = fulfillment.PolicyVersion(x.policy)
	// Charges and disputes are read only while a refund or dispute rule is on.
	if c, ok := p.src.Billing.(interface{ ReadCharges(bool) }); ok {
		c.ReadCharges(x.policy.ReadsCharges())
	}

	stopBeat := r.heartbeat(p.check.ID, n)
	var err error
	switch p.req.Scope {
	case ScopeFull:
		err = x.full(ctx)
	case ScopeRecent:
		err = x.recent(ctx)
	default:
		err = x.targeted(ctx, p.req.CustomerIDs, p.req.SubjectKeys)
	}
	stopBeat()
	x.phase("", 0) // closes the last phase's timing

	if b, ok := p.src.Billing.(interface{ Requests() int64 }); ok {
		sum.StripeRequests = b.Requests()
	}
	sum.AccessRequests = p.src.Access.Requests()
	sum.DurationMS = time.Since(start).Milliseconds()
	msg := ""
	if err != nil {
		msg = failureMessage(ctx, err)
	}
	_, counts := n.snapshot()
	// The end is recorded even when ctx was canceled (shutdown).
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	c, ferr := r.DB.FinishCheck(endCtx, p.check, counts, sum, msg, p.req.Actor)
	if ferr != nil {
		r.log().Error("record check end", "check", p.check.ID, "err", ferr)
		c = p.check
		c.Status, c.Error, c.Counts = "failed", msg, counts
	}
	if r.Ended != nil {
		r.Ended(p.project, c, *sum)
	}
	return Result{Check: c, Summary: *sum, Outcomes: x.outcomes}
}

// heartbeat stores progress every ProgressEvery until stopped.
func (r *Runner) heartbeat(checkID string, n *counts) func() {
	every := r.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p, c := n.snapshot()
				if err := r.DB.UpdateCheckProgress(context.Background(), checkID, p, c); err != nil {
					r.log().Warn("store check progress", "check", checkID, "err", err)
				}
			}
		}
	}()
	return func() { close(stop); <-done }
}

// failureMessage says why a check failed, in words a person can act on.
func failureMessage(ctx context.Context, err error) string {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.Is(err, context.Canceled) {
		return "interrupted: ParityRail stopped while the check ran"
	}
	var se *sources.SourceError
	var ae *billing.AuthError
	var pe *billing.PermissionError
	var rl *billing.RateLimitError
	switch {
	case errors.As(err, &se):
		return se.Message
	case errors.As(err, &ae):
		return "Stripe: " + ae.Error()
	case errors.As(err, &pe):
		return "Stripe: " + pe.Error()
	case errors.As(err, &rl):
		return "Stripe: " + rl.Error()
	}
	return err.Error()
}
