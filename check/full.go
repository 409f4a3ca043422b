package check

import (
	"context"
	"encoding/json"
	"errors"
	"parityrail/sources"
	"sort"
	"strings"
	"sync"
	"time"

	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
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
	stakes   stakes     // prices seen, for money at stake
	held     heldInputs // what a full check keeps for policy previews

	phaseName  string
	phaseStart time.Time
}

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
// candidates of an ambiguous match while subjects stream past.
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

// fullCheck reads and compares everything.
//
// Memory: billing is held once, compactly indexed; app subjects are read
// alongside billing and then compared one by one against their customer's
// promise (derived on the spot), each released once compared, and only the
// lean identity of each customer's first subject is kept (to name ambiguous
// matches). Writes go out in batched transactions.
func (x *run) fullCheck(ctx context.Context) error {
	// Progress while Stripe is read is its request count against an
	// estimate from the last full check (customers + about as many
	// subscriptions, 100 per request); unknown the first time.
	est, _ := x.r.DB.LastFullCheckSize(ctx, x.p.project.ID)
	x.phase("reading_billing", 2*((est+99)/100))

	// The app's subjects are read at the same time (into memory: a few
	// hundred bytes a subject) and compared once billing is in.
	appCtx, cancelApp := context.WithCancel(ctx)
	defer cancelApp()
	type appRead struct {
		subjects []fulfillment.Subject
		err      error
	}
	appDone := make(chan appRead, 1)
	go func() {
		var r appRead
		r.err = x.src.Access.ReadAll(appCtx, func(s fulfillment.Subject) error {
			r.subjects = append(r.subjects, s)
			return nil
		})
		appDone <- r
	}()
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
	all, err := x.src.Billing.ReadAll(ctx)
	close(stop)
	<-stopped
	if err != nil {
		return err
	}
	if err := x.learnPrices(ctx, all); err != nil {
		return err
	}
	ci := &customerIndex{all: all, byID: make(map[string]int32, len(all)), ents: map[int32][]string{}}
	for i := range all {
		ci.byID[all[i].Customer.ID] = int32(i)
	}
	x.sum.Customers = len(all)

	if x.src.Entitlements {
		if err := x.readEntitlements(ctx, ci); err != nil {
			return err
		}
	}
	x.phase("recording_promises", int64(len(all)))
	if err := x.sink.load(ctx, nil, nil); err != nil {
		return err
	}
	if err := x.startInputs(ctx, ci); err != nil {
		return err
	}
	if err := x.recordPromises(ctx, ci); err != nil {
		return err
	}

	// Stream the app's subjects.
	x.phase("reading_app", int64(len(all)))
	tracks := x.tracksLinks()
	var links map[string]string
	if tracks {
		links = map[string]string{}
		if err := x.r.DB.SubjectLinks(ctx, x.p.project.ID, func(k, c string) { links[k] = c }); err != nil {
			return err
		}
	}
	subjects := make([]uint8, len(all)) // subjects per customer, saturating
	flagged := make([]bool, len(all))   // a finding was filed for the customer
	first := map[int32]fulfillment.Subject{}
	more := map[int32][]fulfillment.Subject{}
	var unknown []fulfillment.Subject
	app := <-appDone
	appWaited = true
	if app.err != nil {
		return app.err
	}
	handle := func(s fulfillment.Subject) error {
		x.sum.Subjects++
		x.n.done.Add(1)
		customer, i, known := "", int32(-1), false
		var shared []int32
		if s.CustomerID != "" {
			customer = s.CustomerID
			if i, known, shared = ci.resolve(x.src.Access.IdentityField(s), s.CustomerID); known {
				customer = all[i].Customer.ID
			}
		}
		if tracks {
			k := sources.SubjectKey(s)
			old, had := links[k]
			delete(links, k)
			if (customer != "" && old != customer) || (customer == "" && had) {
				if err := x.sink.link(ctx, k, customer); err != nil {
					return err
				}
			}
		}
		switch {
		case s.CustomerID == "":
			x.sum.UnlinkedSubjects++
			return x.compareUnlinked(ctx, s)
		case !known:
			unknown = append(unknown, s)
			return nil
		}
		if len(shared) > 1 {
			// Several customers, one subject: ambiguous for each of them,
			// and the subject's access is judged from none.
			ps := make([]fulfillment.Promise, len(shared))
			for j, c := range shared {
				if subjects[c] < 255 {
					subjects[c]++
				}
				if subjects[c] == 1 {
					first[c] = leanSubject(s)
				} else {
					more[c] = append(more[c], leanSubject(s))
				}
				flagged[c] = true
				x.held.add(c, s, true)
				ps[j] = fulfillment.DerivePromise(ci.billingOf(c, x.src.Entitlements), x.plans, x.policy, x.now)
			}
			return x.addAll(ctx, fulfillment.CompareShared(ps, s, x.plans, x.policy, x.now))
		}
		if subjects[i] < 255 {
			subjects[i]++
		}
		if subjects[i] == 1 {
			first[i] = leanSubject(s)
		} else {
			more[i] = append(more[i], leanSubject(s))
		}
		x.held.add(i, s, false)
		p := fulfillment.DerivePromise(ci.billingOf(i, x.src.Entitlements), x.plans, x.policy, x.now)
		fs := fulfillment.Compare(p, []fulfillment.Subject{s}, x.plans, x.policy, x.now)
		if len(fs) > 0 {
			flagged[i] = true
		}
		return x.addAll(ctx, fs)
	}
	for j := range app.subjects {
		if err := handle(app.subjects[j]); err != nil {
			return err
		}
		app.subjects[j] = fulfillment.Subject{} // let it go
	}
	app.subjects = nil
	if err := x.unknownSubjects(ctx, unknown, ci, subjects, flagged, first, more); err != nil {
		return err
	}

	// Customer-level findings: unmatched and ambiguous.
	x.phase("comparing", int64(len(all)))
	for i := range all {
		idx := int32(i)
		if subjects[i] != 1 {
			var cands []fulfillment.Subject
			if subjects[i] > 1 {
				cands = append([]fulfillment.Subject{first[idx]}, more[idx]...)
			}
			p := fulfillment.DerivePromise(ci.billingOf(idx, x.src.Entitlements), x.plans, x.policy, x.now)
			var fs []fulfillment.Finding
			for _, f := range fulfillment.Compare(p, cands, x.plans, x.policy, x.now) {
				if f.Kind == fulfillment.UnmatchedCustomer || f.Kind == fulfillment.AmbiguousMatch {
					fs = append(fs, f)
				}
			}
			if len(fs) > 0 {
				flagged[i] = true
			}
			if err := x.addAll(ctx, fs); err != nil {
				return err
			}
		}
		if err := x.keepFullInputs(ctx, ci, idx); err != nil {
			return err
		}
		x.n.checked.Add(1)
		if !flagged[i] {
			x.n.held.Add(1)
		}
		x.n.done.Add(1)
	}
	if err := x.dropGoneInputs(ctx); err != nil {
		return err
	}

	// Links of subjects that are gone.
	for k := range links {
		if err := x.sink.link(ctx, k, ""); err != nil {
			return err
		}
	}
	// Everything was reached: whatever was not found again holds.
	x.phase("saving", 0)
	return x.sink.resolveUnseen(ctx, func(db.IncidentKey) bool { return true })
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

// compareUnlinked checks an app subject linked to no customer (or to one
// Stripe does not know): it is owed nothing.
func (x *run) compareUnlinked(ctx context.Context, s fulfillment.Subject) error {
	fs := fulfillment.CompareUnlinked(s, x.plans, x.policy, x.now)
	x.n.checked.Add(1)
	if len(fs) == 0 {
		x.n.held.Add(1)
	}
	return x.addAll(ctx, fs)
}

// unknownSubjects handles subjects naming a customer id the full read did
// not return: a customer created while the check read is confirmed with
// Stripe (a few at most); the rest are owed nothing.
func (x *run) unknownSubjects(ctx context.Context, unknown []fulfillment.Subject, ci *customerIndex, subjects []uint8,
	flagged []bool, first map[int32]fulfillment.Subject, more map[int32][]fulfillment.Subject) error {
	x.sum.UnlinkedSubjects += len(unknown)
	ids := map[string][]fulfillment.Subject{}
	var order []string
	for _, s := range unknown {
		if x.src.Access.IdentityField(s) == mapping.BillingCustomerID && strings.HasPrefix(s.CustomerID, "cus_") {
			if _, ok := ids[s.CustomerID]; !ok {
				order = append(order, s.CustomerID)
			}
			ids[s.CustomerID] = append(ids[s.CustomerID], s)
			continue
		}
		if err := x.compareUnlinked(ctx, s); err != nil {
			return err
		}
	}
	confirm := len(order) <= maxConfirmUnknown
	for _, id := range order {
		group := ids[id]
		if confirm {
			cb, err := x.src.Billing.ReadCustomer(ctx, id)
			switch {
			case err == nil:
				x.sum.UnlinkedSubjects -= len(group)
				b := toBilling(cb, nil)
				if x.src.Entitlements {
					b.Entitlements = []string{}
					if grantsWithout(cb, x.plans, x.policy, x.now) {
						if b.Entitlements, err = x.src.Billing.ActiveEntitlements(ctx, id); err != nil {
							return err
						}
					}
				}
				p := fulfillment.DerivePromise(b, x.plans, x.policy, x.now)
				fs := fulfillment.Compare(p, group, x.plans, x.policy, x.now)
				x.n.checked.Add(1)
				if len(fs) == 0 {
					x.n.held.Add(1)
				}
				if err := x.addAll(ctx, fs); err != nil {
					return err
				}
				continue
			case errors.Is(err, billing.ErrCustomerNotFound):
			default:
				return err
			}
		}
		for _, s := range group {
			if err := x.compareUnlinked(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// readEntitlements reads the active entitlements of every customer owed
// access (Stripe lists them per customer only), a few at a time.
func (x *run) readEntitlements(ctx context.Context, ci *customerIndex) error {
	var need []int32
	for i := range ci.all {
		if grantsWithout(ci.all[i], x.plans, x.policy, x.now) {
			need = append(need, int32(i))
		}
	}
	x.phase("reading_entitlements", int64(len(need)))
	workers := x.r.EntitlementWorkers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int32)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				keys, err := x.src.Billing.ActiveEntitlements(ctx, ci.all[i].Customer.ID)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				if err == nil {
					ci.ents[i] = keys
				}
				mu.Unlock()
				x.n.done.Add(1)
			}
		}()
	}
	for _, i := range need {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// recordPromises derives every customer's promise once: it collects
// unmapped prices and pending customers for the summary, and records the
// promises that are new or changed, each with a ledger entry (a project's
// first full check ledgers every customer's first promise, so "what did
// billing promise on date D" has an answer for every customer), batched in
// the check's write transactions. A promise seen again unchanged is not
// ledgered.
func (x *run) recordPromises(ctx context.Context, ci *customerIndex) error {
	type stored struct {
		fp       string
		boundary *time.Time
	}
	known := map[string]stored{}
	if err := x.r.DB.PromiseFingerprints(ctx, x.p.project.ID, func(id, fp string, b *time.Time) {
		known[id] = stored{fp, b}
	}); err != nil {
		return err
	}
	unmapped := map[string]int{}
	for i := range ci.all {
		b := ci.billingOf(int32(i), x.src.Entitlements)
		p := fulfillment.DerivePromise(b, x.plans, x.policy, x.now)
		for _, id := range p.UnmappedPrices {
			unmapped[id]++
		}
		if p.Pending {
			x.sum.Pending++
		}
		x.n.done.Add(1)
		fp, bnd := promiseFingerprint(p), boundary(b, x.policy, x.now)
		old, had := known[p.CustomerID]
		switch {
		case had && old.fp == fp:
			if !sameTime(old.boundary, bnd) {
				if err := x.sink.promise(ctx, p, fp, bnd, nil, false); err != nil {
					return err
				}
			}
		case had:
			x.sum.PromisesChanged++
			prev, err := x.previousPromise(ctx, p.CustomerID)
			if err != nil {
				return err
			}
			if err := x.sink.promise(ctx, p, fp, bnd, prev, true); err != nil {
				return err
			}
		default:
			x.sum.PromisesRecorded++
			if err := x.sink.promise(ctx, p, fp, bnd, nil, true); err != nil {
				return err
			}
		}
	}
	x.sum.UnmappedPrices = unmappedList(unmapped)
	return nil
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
