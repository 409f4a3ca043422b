package check

import (
	"context"
	"encoding/json"
	"parityrail/sources"
	"slices"
	"sync/atomic"
	"time"

	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/ledger"
)

// Resolution written on incidents a check no longer finds.
const ResolutionHolds = "promise holds"

// sink turns findings into incident writes: open a new gap, touch (last
// seen) one found again with the same values, update one with new values,
// reopen an ignored one whose expected values changed, and at the end
// resolve what the check reached and did not find. A dry run only counts.
type sink struct {
	db      *db.DB
	check   db.Check
	actor   string
	dry     bool
	size    int
	sampleN int

	active map[db.IncidentKey]*activeState
	filed  map[db.IncidentKey]bool // keys already handled this run (duplicate subjects)
	batch  db.CheckBatch

	counts  *counts
	summary *Summary
	// resolveAs: the resolution of incidents this check verifies (repairs.go).
	resolveAs map[string]string
	// policyVersion names the policy this check judges under; every
	// incident it files or finds again is stamped with it.
	policyVersion string

	// writes, when set, carries full batches to a writer goroutine, so the
	// check goes on deriving and comparing while SQLite writes (a full
	// check's first run writes a promise per customer).
	writes  chan db.CheckBatch
	written chan error
	failed  atomic.Pointer[error]
}

type activeState struct {
	db.ActiveIncident
	seen bool
}

// counts are updated atomically so the heartbeat can read them.
type counts struct {
	checked, held, opened, updated, resolved, errors atomic.Int64
	done, total                                      atomic.Int64
	phase                                            atomic.Value // string
}

func (c *counts) snapshot() (db.CheckProgress, db.CheckCounts) {
	phase, _ := c.phase.Load().(string)
	return db.CheckProgress{Phase: phase, Done: c.done.Load(), Total: c.total.Load()},
		db.CheckCounts{Checked: c.checked.Load(), Held: c.held.Load(), Opened: c.opened.Load(), Updated: c.updated.Load(),
			Resolved: c.resolved.Load(), Errors: c.errors.Load()}
}

func newSink(store *db.DB, c db.Check, actor string, n *counts, sum *Summary, batchSize int) *sink {
	if batchSize <= 0 {
		batchSize = 500
	}
	return &sink{db: store, check: c, actor: actor, dry: c.DryRun, size: batchSize, sampleN: 3,
		active: map[db.IncidentKey]*activeState{}, filed: map[db.IncidentKey]bool{}, counts: n, summary: sum}
}

// load reads the unresolved incidents the check may touch.
func (s *sink) load(ctx context.Context, customers, subjectKeys []string) error {
	return s.db.ActiveIncidents(ctx, s.check.ProjectID, customers, subjectKeys, func(k db.IncidentKey, a db.ActiveIncident) {
		s.active[k] = &activeState{ActiveIncident: a}
	})
}

func keyOf(f fulfillment.Finding) db.IncidentKey {
	k := db.IncidentKey{CustomerID: f.CustomerID, Kind: string(f.Kind)}
	if f.Subject != nil {
		k.SubjectKey = sources.SubjectKey(*f.Subject)
	}
	return k
}

// add files one finding.
func (s *sink) add(ctx context.Context, f fulfillment.Finding) error {
	k := keyOf(f)
	if s.filed[k] {
		return nil
	}
	s.filed[k] = true
	s.summary.Kinds[string(f.Kind)]++
	s.summary.Severities[string(f.Severity)]++
	if f.Kind == fulfillment.UnmatchedCustomer {
		s.summary.UnmatchedCustomers++
		if len(s.summary.UnmatchedSample) < 20 {
			s.summary.UnmatchedSample = append(s.summary.UnmatchedSample, f.CustomerID)
		}
	}
	fp, dh := fulfillment.ExpectedFingerprint(f), diffHash(f)
	a := s.active[k]
	// An incident filed before subject-only incidents named no customer
	// was keyed by the value the subject holds (an unknown cus_ id): it is
	// the same gap, so it is carried over to the new key, not duplicated.
	adopt := false
	if a == nil && k.CustomerID == "" && f.LinkedValue != "" {
		old := db.IncidentKey{CustomerID: f.LinkedValue, SubjectKey: k.SubjectKey, Kind: k.Kind}
		if a = s.active[old]; a != nil {
			adopt, s.filed[old] = true, true
		}
	}
	op := db.OpOpen
	switch {
	case a == nil:
	case adopt && a.Status == db.IncidentIgnored && a.Fingerprint == fp:
		op = db.OpUpdate // rekeyed; stays ignored
	case a.Status == db.IncidentIgnored && a.Fingerprint == fp:
		op = db.OpTouch // stays ignored: what the promise expects did not change
	case a.Status == db.IncidentIgnored:
		op = db.OpReopen
	case adopt || a.Fingerprint != fp || a.DiffHash != dh:
		op = db.OpUpdate
	default:
		op = db.OpTouch
	}
	if a != nil {
		a.seen = true
	}
	if s.dry {
		s.sample(f, op)
		return nil
	}
	w := db.IncidentWrite{Op: op, Key: k, Severity: string(f.Severity), Summary: f.Summary, Fingerprint: fp, DiffHash: dh,
		PolicyVersion: s.policyVersion}
	if a != nil {
		w.ID = a.ID
	}
	if op == db.OpTouch && a.PolicyVersion != s.policyVersion {
		// Same gap, judged under another policy: the evidence is
		// rewritten so the policy it shows is the one named.
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		w.Finding = b
	}
	if f.Subject != nil {
		w.SubjectKind, w.SubjectID, w.SubjectEmail, w.SubjectName = string(f.Subject.Kind), f.Subject.ID, f.Subject.Email, f.Subject.Name
		if f.Subject.Kind == fulfillment.SubjectRow {
			w.SubjectID = f.Subject.Table + "#" + f.Subject.ID
		}
	}
	w.Repair = repairProposal(f)
	if st := f.AtStake; st != nil {
		w.AtStake = &db.AtStake{MonthlyMinor: st.MonthlyMinor, Currency: st.Currency, Basis: st.Basis}
	}
	if op != db.OpTouch {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		w.Finding = b
		detail := map[string]any{"kind": f.Kind, "severity": f.Severity, "summary": f.Summary, "fields": fieldViews(f),
			"promise": f.Promise.Reason}
		if op == db.OpReopen {
			detail["reopened"] = "the expected values changed since it was ignored"
		}
		w.Detail = detail
	}
	s.batch.Incidents = append(s.batch.Incidents, w)
	return s.maybeFlush(ctx)
}

// keep marks an unresolved incident as still standing without new evidence
// (not resolved by this check); false when there is none.
func (s *sink) keep(k db.IncidentKey) bool {
	a := s.active[k]
	if a == nil {
		return false
	}
	a.seen = true
	s.filed[k] = true
	return true
}

// sharesSubject reports whether the customer has an unresolved
// ambiguous_match about a subject it shares with other customers.
func (s *sink) sharesSubject(customerID string) bool {
	for k := range s.active {
		if k.CustomerID == customerID && k.SubjectKey != "" && k.Kind == string(fulfillment.AmbiguousMatch) {
			return true
		}
	}
	return false
}

// sample keeps a few findings of each kind for the dry run's answer.
func (s *sink) sample(f fulfillment.Finding, op db.IncidentOp) {
	switch op {
	case db.OpOpen, db.OpReopen:
		s.counts.opened.Add(1)
	case db.OpUpdate:
		s.counts.updated.Add(1)
	}
	perKind := 0
	for _, x := range s.summary.Sample {
		if x.Kind == string(f.Kind) {
			perKind++
		}
	}
	if perKind >= s.sampleN {
		return
	}
	row := SampleFinding{Kind: string(f.Kind), Severity: string(f.Severity), CustomerID: f.CustomerID,
		Summary: f.Summary, Fields: fieldViews(f), New: op == db.OpOpen}
	if f.Subject != nil {
		row.Subject = subjectLabel(f.Subject)
	}
	s.summary.Sample = append(s.summary.Sample, row)
}

func (s *sink) maybeFlush(ctx context.Context) error {
	// Promise rows and their promise_changed entries are small writes (a
	// first full check writes one of each per customer): four promises with
	// their entries count as one write, so a first check takes a quarter of
	// the transactions. Only promises are ledgered through the batch.
	// Subject links (a first Clerk check writes one per user) are small
	// rows too and count as an eighth of a write.
	b := &s.batch
	if len(b.Incidents)+len(b.PolicyInputs)+(len(b.Ledger)+len(b.Promises)+len(b.Links))/8 >= s.size {
		return s.flush(ctx)
	}
	return nil
}

// startWriter moves batch writes to a goroutine; stopWriter must follow.
// Batches are still written in order, each in one transaction.
func (s *sink) startWriter(ctx context.Context) {
	if s.dry || s.writes != nil {
		return
	}
	s.writes, s.written = make(chan db.CheckBatch, 1), make(chan error, 1)
	go func() {
		var first error
		for b := range s.writes {
			if first != nil {
				continue // drain; nothing after a failed batch is written
			}
			if err := s.apply(ctx, &b); err != nil {
				first = err
				s.failed.Store(&err)
			}
		}
		s.written <- first
	}()
}

// stopWriter waits for the batches handed to the writer. The batch still
// being filled is written only when the check succeeded (failed is nil):
// as before, a failed check writes nothing past its last full batch.
func (s *sink) stopWriter(ctx context.Context, failed error) error {
	if s.writes == nil {
		return nil
	}
	var err error
	if failed == nil {
		err = s.flush(ctx)
	}
	s.batch = db.CheckBatch{}
	close(s.writes)
	werr := <-s.written
	s.writes = nil
	if werr != nil {
		return werr
	}
	return err
}

// flush writes the pending batch in one transaction (or hands it to the
// writer goroutine).
func (s *sink) flush(ctx context.Context) error {
	if s.dry || s.batch.Len() == 0 {
		s.batch = db.CheckBatch{}
		return nil
	}
	if s.writes != nil {
		if err := s.failed.Load(); err != nil {
			return *err
		}
		select {
		case s.writes <- s.batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.batch = db.CheckBatch{}
		return nil
	}
	if err := s.apply(ctx, &s.batch); err != nil {
		return err
	}
	s.batch = db.CheckBatch{}
	return nil
}

// apply writes one batch and counts what it did.
func (s *sink) apply(ctx context.Context, b *db.CheckBatch) error {
	if err := s.db.ApplyCheckBatch(ctx, s.check.ProjectID, s.check.ID, s.actor, b); err != nil {
		return err
	}
	for _, w := range b.Incidents {
		switch w.Op {
		case db.OpOpen:
			s.counts.opened.Add(1)
		case db.OpUpdate, db.OpReopen:
			s.counts.updated.Add(1)
		case db.OpResolve:
			s.counts.resolved.Add(1)
		}
	}
	return nil
}

// resolveUnseen resolves every loaded incident the check reached (inScope)
// but did not find again: its promise holds now.
func (s *sink) resolveUnseen(ctx context.Context, inScope func(db.IncidentKey) bool) error {
	keys := make([]db.IncidentKey, 0)
	for k, a := range s.active {
		if !a.seen && inScope(k) {
			keys = append(keys, k)
		}
	}
	// A stable order keeps the ledger readable.
	slices.SortFunc(keys, db.IncidentKey.Compare)
	for _, k := range keys {
		a := s.active[k]
		a.seen = true // never twice
		if s.dry {
			s.summary.WouldResolve++
			continue
		}
		res := s.resolution(a.ID)
		s.batch.Incidents = append(s.batch.Incidents, db.IncidentWrite{Op: db.OpResolve, ID: a.ID, Key: k,
			Resolution: res, Detail: map[string]any{"kind": k.Kind, "resolution": res, "previous_status": a.Status}})
		if err := s.maybeFlush(ctx); err != nil {
			return err
		}
	}
	return s.flush(ctx)
}

// promise records a customer's promise when it changed (or is first seen);
// ledger says whether the change is ledgered.
func (s *sink) promise(ctx context.Context, p fulfillment.Promise, fp string, bnd *time.Time, previous *promiseSummary, ledgerIt bool) error {
	if s.dry {
		return nil
	}
	sum := summarizePromise(p)
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	s.batch.Promises = append(s.batch.Promises, db.PromiseRow{CustomerID: p.CustomerID, Fingerprint: fp, Summary: b, BoundaryAt: bnd})
	if ledgerIt {
		detail, err := promiseDetail(b, previous)
		if err != nil {
			return err
		}
		s.batch.Ledger = append(s.batch.Ledger, db.LedgerEntry{Kind: ledger.PromiseChanged, CustomerID: p.CustomerID, Detail: detail})
	}
	return s.maybeFlush(ctx)
}

// promiseDetail is a promise_changed entry's detail, {"from": previous,
// "to": summary}, built from the summary already encoded for the promise
// row: the same JSON encoding/json writes for that map (keys sorted,
// values as json.Marshal encodes them), without encoding the summary twice.
// sink_detail_test.go checks the ledgered bytes match the map's.
func promiseDetail(summary []byte, previous *promiseSummary) (json.RawMessage, error) {
	var from []byte
	if previous != nil {
		var err error
		if from, err = json.Marshal(previous); err != nil {
			return nil, err
		}
	}
	d := make([]byte, 0, len(from)+len(summary)+16)
	d = append(d, '{')
	if from != nil {
		d = append(append(append(d, `"from":`...), from...), ',')
	}
	d = append(append(append(d, `"to":`...), summary...), '}')
	return d, nil
}

// inputs stores what the check read of a customer for policy previews (nil
// removes it).
func (s *sink) inputs(ctx context.Context, w db.PolicyInputWrite) error {
	if s.dry {
		return nil
	}
	s.batch.PolicyInputs = append(s.batch.PolicyInputs, w)
	return s.maybeFlush(ctx)
}

// link records which customer a subject is linked to ("" removes it).
func (s *sink) link(ctx context.Context, subjectKey, customerID string) error {
	if s.dry {
		return nil
	}
	s.batch.Links = append(s.batch.Links, db.LinkWrite{SubjectKey: subjectKey, CustomerID: customerID})
	return s.maybeFlush(ctx)
}
