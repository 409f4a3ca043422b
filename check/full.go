package check

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/sources"
)

// run is one check in progress.
type run struct {
	r      *Runner
	p      *prepared
	src    *sources.Sources
	now    time.Time
	plans  fulfillment.PlanMapping
	policy fulfillment.Policy
	n      *counts
	sum    *Summary
	sink   *sink

	outcomes []Outcome
	stakes   stakes // prices seen, for money at stake

	// A full check's working state: the scratch store both sides stream
	// into, a few bytes per customer, and the subjects the scratch codec
	// could not encode (none in practice).
	sc     *scratch
	cust   []custState // by customer sequence number - 1
	exotic map[int64]fulfillment.Subject

	phaseName  string
	phaseStart time.Time
}

// custState is all a full check keeps in memory per customer.
type custState struct {
	subjects uint8 // subjects linked to the customer, saturating
	flags    uint8
	first    int32 // the first subject's sequence number
}

const (
	flagged   = 1 << iota // a finding was filed for the customer
	sensitive             // a policy change could judge it differently: its inputs are kept
	hasStored             // inputs stored by an earlier check
)

func (x *run) phase(name string, total int64) {
	now := time.Now()
	if x.phaseName != "" {
		x.sum.PhasesMS[x.phaseName] += now.Sub(x.phaseStart).Milliseconds()
	}
	x.phaseName, x.phaseStart = name, now
	if name == "" {
		return
	}
	x.n.phase.Store(name)
	x.n.done.Store(0)
	x.n.total.Store(total)
}

// leanSubject is who a subject is, without its fields: enough to name the
// candidates of an ambiguous match.
func leanSubject(s fulfillment.Subject) fulfillment.Subject {
	return fulfillment.Subject{Kind: s.Kind, ID: s.ID, Table: s.Table, Email: s.Email, Name: s.Name, CustomerID: s.CustomerID}
}

// maxConfirmUnknown bounds how many unknown customer ids a full check asks
// Stripe about (customers created while the check read): beyond it they are
// taken as unknown, keeping the request count near the minimum.
const maxConfirmUnknown = 100

// full checks every customer and every app subject. Its writes go to
// SQLite from a writer goroutine while it reads and compares.
func (x *run) full(ctx context.Context) error {
	x.sink.startWriter(ctx)
	err := x.fullCheck(ctx)
	if werr := x.sink.stopWriter(ctx, err); err == nil {
		err = werr
	}
	return err
}

// streamer is a billing source that hands a full read over as it comes
// (*billing.Client); others are read whole and spilled the same way.
type streamer interface {
	StreamAll(ctx context.Context, s billing.Stream) error
	LookupCustomer(ctx context.Context, id string) (billing.Customer, error)
}

// fullCheck reads and compares everything.
//
// Memory: both sides stream into a scratch SQLite file as they are read
// (Stripe's customers and subscriptions, the app's subjects) and are joined
// there, in three walks: every customer's promise (recorded before any
// incident names the customer, so its ledger starts with it), every
// subject against its customer's promise in the app's order, then every
// customer's own findings (unmatched, ambiguous) and policy inputs in
// Stripe's order. What stays in memory per customer is custState.
func (x *run) fullCheck(ctx context.Context) error {
	// Progress while Stripe is read is its request count against an
	// estimate from the last full check (customers + about as many
	// subscriptions, 100 per request); unknown the first time.
	est, _ := x.r.DB.LastFullCheckSize(ctx, x.p.project.ID)
	x.phase("reading_billing", 2*((est+99)/100))

	dir := ""
	if path, err := x.r.DB.Path(); err == nil && path != "" {
		dir = filepath.Dir(path)
	}
	sc, err := openScratch(ctx, dir, x.p.check.ID)
	if err != nil {
		return err
	}
	defer sc.close()
	x.sc = sc
	tracks := x.tracksLinks()

	// The app's subjects are read at the same time, into the scratch.
	appCtx, cancelApp := context.WithCancel(ctx)
	defer cancelApp()
	appDone := make(chan error, 1)
	go func() { appDone <- x.loadSubjects(appCtx, tracks) }()
	// Never return while the app read still uses the source.
	appWaited := false
	defer func() {
		if !appWaited {
			cancelApp()
			<-appDone
		}
	}()

	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		base := x.src.Billing.Requests()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				x.n.done.Store(x.src.Billing.Requests() - base)
			}
		}
	}()
	err = x.loadBilling(ctx)
	close(stop)
	<-stopped
	if err != nil {
		return err
	}
	appWaited = true
	if err := <-appDone; err != nil {
		return err
	}
	if err := x.loadStored(ctx, tracks); err != nil {
		return err
	}
	// From here on statements stay open while others run: one transaction.
	if err := sc.commit(ctx); err != nil {
		return err
	}
	sc.loading = false
	if err := sc.begin(ctx); err != nil {
		return err
	}
	n, err := sc.count(ctx, "cust")
	if err != nil {
		return err
	}
	x.sum.Customers = n
	x.cust = make([]custState, n)

	if x.src.Entitlements {
		if err := x.readEntitlements(ctx); err != nil {
			return err
		}
	}
	x.phase("recording_promises", int64(n))
	if err := x.sink.load(ctx, nil, nil); err != nil {
		return err
	}
	if err := x.recordPromises(ctx); err != nil {
		return err
	}

	x.phase("reading_app", int64(n))
	if err := x.compareSubjects(ctx, tracks); err != nil {
		return err
	}

	// Customer-level findings: unmatched and ambiguous.
	x.phase("comparing", int64(n))
	if err := x.compareCustomers(ctx); err != nil {
		return err
	}
	if err := x.dropGoneInputs(ctx); err != nil {
		return err
	}
	if tracks {
		if err := x.dropGoneLinks(ctx); err != nil {
			return err
		}
	}
	// Everything was reached: whatever was not found again holds.
	x.phase("saving", 0)
	return x.sink.resolveUnseen(ctx, func(db.IncidentKey) bool { return true })
}

// loadBilling streams Stripe into the scratch: customers and subscriptions
// as they come, then the customers only a subscription names.
func (x *run) loadBilling(ctx context.Context) error {
	subs := func(page []billing.Subscription) error {
		// Prices are learnt as pages pass (a tiered one's tiers read once).
		if err := x.learnPrices(ctx, []billing.CustomerBilling{{Subscriptions: page}}); err != nil {
			return err
		}
		return x.sc.addSubscriptions(ctx, page)
	}
	custs := func(page []billing.Customer) error { return x.sc.addCustomers(ctx, page, nil) }
	st, ok := x.src.Billing.(streamer)
	if !ok {
		all, err := x.src.Billing.ReadAll(ctx)
		if err != nil {
			return err
		}
		for i := range all {
			if err := custs([]billing.Customer{all[i].Customer}); err != nil {
				return err
			}
			if err := subs(all[i].Subscriptions); err != nil {
				return err
			}
		}
		_, err = x.sc.missingCustomers(ctx)
		return err
	}
	if err := st.StreamAll(ctx, billing.Stream{Customers: custs, Subscriptions: subs}); err != nil {
		return err
	}
	missing, err := x.sc.missingCustomers(ctx)
	if err != nil {
		return err
	}
	for _, id := range missing {
		cu, err := st.LookupCustomer(ctx, id)
		if err != nil {
			return err
		}
		if err := x.sc.addCustomers(ctx, []billing.Customer{cu}, []string{id}); err != nil {
			return err
		}
	}
	return nil
}

// loadStored copies what earlier checks stored per customer into the
// scratch, to be joined rather than held: promise fingerprints, policy
// inputs' hashes and (Clerk) subject links.
func (x *run) loadStored(ctx context.Context, tracks bool) error {
	project := x.p.project.ID
	// load copies one stored table, 100 rows an insert; read hands each
	// row's values to add.
	load := func(table, cols string, read func(add func(row ...any)) error) error {
		b := x.sc.batch(table, cols, 100)
		var err error
		if e := read(func(row ...any) {
			if err == nil {
				err = b.add(ctx, row...)
			}
		}); e != nil {
			return e
		}
		if err != nil {
			return err
		}
		return b.flush(ctx)
	}
	if err := load("known", "id, fp, boundary", func(add func(...any)) error {
		return x.r.DB.PromiseFingerprints(ctx, project, func(id, fp string, b *time.Time) {
			bound := []byte{}
			if b != nil {
				var e enc
				e.time(*b)
				bound = e.b
			}
			add(id, fp, bound)
		})
	}); err != nil {
		return err
	}
	if !x.p.check.DryRun {
		if err := load("stored", "id, hash", func(add func(...any)) error {
			return x.r.DB.PolicyInputHashes(ctx, project, func(id, h string) { add(id, h) })
		}); err != nil {
			return err
		}
	}
	if tracks {
		return load("olink", "skey, customer", func(add func(...any)) error {
			return x.r.DB.SubjectLinks(ctx, project, func(k, c string) { add(k, c) })
		})
	}
	return nil
}

func (x *run) tracksLinks() bool {
	t, ok := x.src.Access.(interface{ TracksLinks() bool })
	return ok && t.TracksLinks()
}

func (x *run) addAll(ctx context.Context, fs []fulfillment.Finding) error {
	fulfillment.SetStakes(fs, x.plans, x.stakes.catalog, x.stakes.currency)
	for _, f := range fs {
		if err := x.sink.add(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// billingOf is a customer as the promise sees it.
func (x *run) billingOf(r *custRow) fulfillment.Billing {
	var ents []string
	if x.src.Entitlements {
		ents = r.ents
		if ents == nil {
			ents = []string{}
		}
	}
	return toBilling(r.cb, ents)
}

// readEntitlements reads the active entitlements of every customer owed
// access (Stripe lists them per customer only), a few at a time, into the
// scratch.
func (x *run) readEntitlements(ctx context.Context) error {
	x.phase("reading_entitlements", 0)
	workers := x.r.EntitlementWorkers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		seq int64
		id  string
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var done []any // seq, keys pairs not yet stored
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				keys, err := x.src.Billing.ActiveEntitlements(ctx, j.id)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				if err == nil {
					var e enc
					e.strs(keys)
					done = append(done, j.seq, e.b)
				}
				mu.Unlock()
				x.n.done.Add(1)
			}
		}()
	}
	store := func() error {
		mu.Lock()
		batch := done
		done = nil
		mu.Unlock()
		return x.sc.insert(ctx, "ent", "cseq, keys", batch)
	}
	walkErr := x.sc.walkCustomers(ctx, customerQueryNoEnts, 0, func(r *custRow) error {
		if !grantsWithout(r.cb, x.plans, x.policy, x.now) {
			return nil
		}
		x.n.total.Add(1)
		select {
		case jobs <- job{r.seq, r.cb.Customer.ID}:
		case <-ctx.Done():
			return ctx.Err()
		}
		return store()
	})
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if walkErr != nil {
		return walkErr
	}
	return store()
}

// recordPromises derives every customer's promise once: it collects
// unmapped prices and pending customers for the summary, marks the
// customers whose inputs are kept, and records the promises that are new
// or changed, each with a ledger entry (a project's first full check
// ledgers every customer's first promise, so "what did billing promise on
// date D" has an answer for every customer), batched in the check's write
// transactions. A promise seen again unchanged is not ledgered.
func (x *run) recordPromises(ctx context.Context) error {
	unmapped := map[string]int{}
	keeps := !x.p.check.DryRun
	err := x.sc.eachCustomer(ctx, 0, func(r *custRow) error {
		b := x.billingOf(r)
		p := fulfillment.DerivePromise(b, x.plans, x.policy, x.now)
		for _, id := range p.UnmappedPrices {
			unmapped[id]++
		}
		if p.Pending {
			x.sum.Pending++
		}
		if keeps && fulfillment.PolicySensitive(toBilling(r.cb, nil)) {
			x.cust[r.seq-1].flags |= sensitive
		}
		x.n.done.Add(1)
		fp, bnd := promiseFingerprint(p), boundary(b, x.policy, x.now)
		switch {
		case r.known && r.knownFP == fp:
			if !sameTime(decodeBoundary(r.knownBound), bnd) {
				return x.sink.promise(ctx, p, fp, bnd, nil, false)
			}
			return nil
		case r.known:
			x.sum.PromisesChanged++
			prev, err := x.previousPromise(ctx, p.CustomerID)
			if err != nil {
				return err
			}
			return x.sink.promise(ctx, p, fp, bnd, prev, true)
		default:
			x.sum.PromisesRecorded++
			return x.sink.promise(ctx, p, fp, bnd, nil, true)
		}
	})
	x.sum.UnmappedPrices = unmappedList(unmapped)
	return err
}

func decodeBoundary(b []byte) *time.Time {
	if len(b) == 0 {
		return nil
	}
	d := dec{b: b}
	t := d.time()
	return &t
}

func (x *run) previousPromise(ctx context.Context, customerID string) (*promiseSummary, error) {
	row, _, ok, err := x.r.DB.PromiseOf(ctx, x.p.project.ID, customerID)
	if err != nil || !ok {
		return nil, err
	}
	var ps promiseSummary
	if json.Unmarshal(row.Summary, &ps) != nil {
		return nil, nil
	}
	return &ps, nil
}

func unmappedList(m map[string]int) []UnmappedPrice {
	out := make([]UnmappedPrice, 0, len(m))
	for id, n := range m {
		out = append(out, UnmappedPrice{PriceID: id, Customers: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Customers != out[j].Customers {
			return out[i].Customers > out[j].Customers
		}
		return out[i].PriceID < out[j].PriceID
	})
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
