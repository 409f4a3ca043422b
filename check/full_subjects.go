package check

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/sources"
)

// loadSubjects streams the app's subjects into the scratch, each with the
// identity value that links it (emails folded, as Stripe's side is).
func (x *run) loadSubjects(ctx context.Context, tracks bool) error {
	var batch []subjectRow
	var exotic []fulfillment.Subject // parallel to batch: kept when not encoded
	flush := func() error {
		first, err := x.sc.addSubjects(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range batch {
			if r.data == nil {
				if x.exotic == nil {
					x.exotic = map[int64]fulfillment.Subject{}
				}
				x.exotic[first+int64(i)] = exotic[i]
			}
		}
		batch, exotic = batch[:0], exotic[:0]
		return nil
	}
	err := x.src.Access.ReadAll(ctx, func(s fulfillment.Subject) error {
		r := subjectRow{}
		if s.CustomerID != "" {
			r.field, r.value = x.src.Access.IdentityField(s), s.CustomerID
			r.byID = r.field == "" || r.field == mapping.BillingCustomerID
			if r.field == mapping.BillingEmail {
				r.value = fulfillment.FoldEmail(r.value)
			}
		}
		if tracks {
			r.skey = sources.SubjectKey(s)
		}
		var e enc
		if e.subject(s) {
			r.data = e.b
		}
		batch, exotic = append(batch, r), append(exotic, s)
		if r.data != nil {
			exotic[len(exotic)-1] = fulfillment.Subject{}
		}
		if len(batch) == 100 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// resolveSubjects links subjects identified by an email or a metadata
// value to the customers holding it (deleted customers hold none): the
// scratch's cval table, and each subject's match count and first (newest)
// match. Subjects identified by customer id are joined directly.
func (x *run) resolveSubjects(ctx context.Context, tracks bool) error {
	sc := x.sc
	if tracks {
		if err := sc.exec(ctx, `CREATE INDEX subj_skey ON subj(skey)`); err != nil {
			return err
		}
	}
	fields, err := sc.strings(ctx, `SELECT DISTINCT field FROM subj WHERE byid = 0 AND value <> ''`)
	if err != nil || len(fields) == 0 {
		return err
	}
	for _, f := range fields {
		switch {
		case f == mapping.BillingEmail:
			err = sc.exec(ctx, `INSERT INTO cval (field, value, cseq) SELECT ?, email, seq FROM cust WHERE email <> ''`, f)
		case strings.HasPrefix(f, postgres.BillingMetadataPrefix):
			key := strings.TrimPrefix(f, postgres.BillingMetadataPrefix)
			var vals []any
			err = sc.walkCustomers(ctx, customerQueryBare, 0, func(r *custRow) error {
				if v := r.cb.Customer.Metadata[key]; v != "" && !r.cb.Customer.Deleted {
					vals = append(vals, f, v, r.seq)
				}
				if len(vals) >= 300 {
					err := sc.insert(ctx, "cval", "field, value, cseq", vals)
					vals = vals[:0]
					return err
				}
				return nil
			})
			if err == nil {
				err = sc.insert(ctx, "cval", "field, value, cseq", vals)
			}
		}
		if err != nil {
			return err
		}
	}
	return sc.exec(ctx, `CREATE INDEX cval_value ON cval(field, value, cseq);
		UPDATE subj SET nmatch = (SELECT COUNT(*) FROM cval m WHERE m.field = subj.field AND m.value = subj.value),
			cseq = (SELECT MIN(cseq) FROM cval m WHERE m.field = subj.field AND m.value = subj.value)
		WHERE byid = 0 AND value <> ''`)
}

// subjectQuery joins each subject (in the app's order) to the one customer
// it links to — by id, or the single holder of its email or metadata
// value — with that customer's subscriptions, and to its last link.
const subjectQuery = `SELECT s.seq, s.data, s.field, s.value, s.nmatch, ol.customer, c.seq, c.data, e.keys, b.data
	FROM subj s
	LEFT JOIN olink ol ON s.skey <> '' AND ol.skey = s.skey
	LEFT JOIN cust c ON c.seq = (CASE WHEN s.byid = 1 AND s.value <> '' THEN (SELECT MAX(x.seq) FROM cust x WHERE x.id = s.value)
		WHEN s.nmatch = 1 THEN s.cseq END)
	LEFT JOIN ent e ON e.cseq = c.seq
	LEFT JOIN sub b ON b.customer = c.id
	ORDER BY s.seq, b.seq`

// compareSubjects compares every app subject against its customer's
// promise, in the app's order.
func (x *run) compareSubjects(ctx context.Context, tracks bool) error {
	if err := x.resolveSubjects(ctx, tracks); err != nil {
		return err
	}
	var unknown []int64
	// The subject links a full check changes wait in the scratch (nlink)
	// until every subject is compared, to be written in subject-key order
	// (writeLinks). A dry run writes no links.
	links := x.sc.batch("nlink", "skey, customer", 300)
	rows, err := x.sc.conn.QueryContext(ctx, subjectQuery)
	if err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	defer rows.Close()
	type pending struct {
		seq     int64
		subj    fulfillment.Subject
		field   string
		nmatch  int
		oldLink sql.NullString
		cust    *custRow
	}
	var cur *pending
	d := &dec{}
	for rows.Next() {
		var sseq, nmatch int64
		var sdata, cdata, keys, bdata sql.RawBytes
		var field, value string
		var old sql.NullString
		var cseq sql.NullInt64
		if err := rows.Scan(&sseq, &sdata, &field, &value, &nmatch, &old, &cseq, &cdata, &keys, &bdata); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if cur == nil || cur.seq != sseq {
			if cur != nil {
				if err := x.compareSubject(ctx, cur.seq, cur.subj, cur.field, cur.nmatch, cur.oldLink, cur.cust, tracks, &unknown, links); err != nil {
					return err
				}
			}
			cur = &pending{seq: sseq, field: field, nmatch: int(nmatch), oldLink: old}
			if sdata == nil {
				cur.subj = x.exotic[sseq]
			} else {
				d.b = sdata
				cur.subj = d.subject()
			}
			if cseq.Valid {
				cur.cust = &custRow{seq: cseq.Int64}
				d.b = cdata
				cur.cust.cb.Customer = d.customer()
				if keys != nil {
					d.b = keys
					cur.cust.ents = d.strs()
				}
			}
		}
		if bdata != nil && cur.cust != nil {
			d.b = bdata
			cur.cust.cb.Subscriptions = append(cur.cust.cb.Subscriptions, d.subscription())
		}
		if d.err != nil {
			return d.err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	if cur != nil {
		if err := x.compareSubject(ctx, cur.seq, cur.subj, cur.field, cur.nmatch, cur.oldLink, cur.cust, tracks, &unknown, links); err != nil {
			return err
		}
	}
	rows.Close()
	if err := x.writeLinks(ctx, links); err != nil {
		return err
	}
	return x.unknownSubjects(ctx, unknown)
}

// writeLinks hands the queued links to the sink in subject-key order (a
// key queued twice keeps the last, as when they were written at once), so
// the store's subject_links index is filled in order rather than at random
// places (the app's order is no key order: Clerk ids are random), which
// touches a few pages per batch instead of one per link.
func (x *run) writeLinks(ctx context.Context, q *batch) error {
	if x.sink.dry {
		return nil // a dry run writes no links (none were queued)
	}
	if err := q.flush(ctx); err != nil {
		return err
	}
	rows, err := x.sc.query(ctx, `SELECT skey, customer FROM nlink ORDER BY skey, rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k, customer string
		if err := rows.Scan(&k, &customer); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if err := x.sink.link(ctx, k, customer); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	return nil
}

// compareSubject judges one subject: c is its one customer (nil when it
// has none, or several: nmatch says which).
func (x *run) compareSubject(ctx context.Context, seq int64, s fulfillment.Subject, field string, nmatch int,
	old sql.NullString, c *custRow, tracks bool, unknown *[]int64, links *batch) error {
	x.sum.Subjects++
	x.n.done.Add(1)
	customer, known := "", false
	var shared []*custRow
	if s.CustomerID != "" {
		customer = s.CustomerID
		switch {
		case c != nil:
			known, customer = true, c.cb.Customer.ID
		case nmatch > 1:
			seqs, err := x.sc.int64s(ctx, `SELECT cseq FROM cval WHERE field = ? AND value = (SELECT value FROM subj WHERE seq = ?)
				ORDER BY cseq`, field, seq)
			if err != nil {
				return err
			}
			for _, cs := range seqs {
				r, err := x.sc.customerAt(ctx, cs)
				if err != nil {
					return err
				}
				shared = append(shared, r)
			}
			known, customer = true, shared[0].cb.Customer.ID
		}
	}
	if tracks {
		k := sources.SubjectKey(s)
		moved := (customer != "" && old.String != customer) || (customer == "" && old.Valid)
		if moved && !x.sink.dry { // "" drops its link
			if err := links.add(ctx, k, customer); err != nil {
				return err
			}
		}
	}
	switch {
	case s.CustomerID == "":
		x.sum.UnlinkedSubjects++
		return x.compareUnlinked(ctx, s)
	case !known:
		*unknown = append(*unknown, seq)
		return nil
	}
	if len(shared) > 1 {
		// Several customers, one subject: ambiguous for each of them,
		// and the subject's access is judged from none.
		ps := make([]fulfillment.Promise, len(shared))
		for j, r := range shared {
			if err := x.linkSubject(ctx, r.seq, seq, true); err != nil {
				return err
			}
			x.cust[r.seq-1].flags |= flagged
			ps[j] = fulfillment.DerivePromise(x.billingOf(r), x.plans, x.policy, x.now)
		}
		return x.addAll(ctx, fulfillment.CompareShared(ps, s, x.plans, x.policy, x.now))
	}
	if err := x.linkSubject(ctx, c.seq, seq, false); err != nil {
		return err
	}
	p := fulfillment.DerivePromise(x.billingOf(c), x.plans, x.policy, x.now)
	fs := fulfillment.Compare(p, []fulfillment.Subject{s}, x.plans, x.policy, x.now)
	if len(fs) > 0 {
		x.cust[c.seq-1].flags |= flagged
	}
	return x.addAll(ctx, fs)
}

// linkSubject counts subject sseq against customer cseq; from a second
// subject on, the customer's subjects are kept in the scratch to name them
// as candidates. Subjects of customers whose inputs are kept are noted too.
func (x *run) linkSubject(ctx context.Context, cseq, sseq int64, shared bool) error {
	st := &x.cust[cseq-1]
	if st.subjects < 255 {
		st.subjects++
	}
	var vals []any
	switch {
	case st.subjects == 1 && st.first == 0:
		st.first = int32(sseq)
	case st.first > 0:
		vals = []any{cseq, int64(st.first), cseq, sseq}
		st.first = -1 // stored with the rest
	default:
		vals = []any{cseq, sseq}
	}
	if vals != nil {
		if err := x.sc.insert(ctx, "cand", "cseq, sseq", vals); err != nil {
			return err
		}
	}
	if st.flags&sensitive != 0 {
		return x.sc.insert(ctx, "held", "cseq, sseq, shared", []any{cseq, sseq, shared})
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
func (x *run) unknownSubjects(ctx context.Context, unknown []int64) error {
	x.sum.UnlinkedSubjects += len(unknown)
	ids := map[string][]int64{}
	var order []string
	for _, seq := range unknown {
		s, err := x.sc.subjectAt(ctx, seq, x.exotic)
		if err != nil {
			return err
		}
		if x.src.Access.IdentityField(s) == mapping.BillingCustomerID && strings.HasPrefix(s.CustomerID, "cus_") {
			if _, ok := ids[s.CustomerID]; !ok {
				order = append(order, s.CustomerID)
			}
			ids[s.CustomerID] = append(ids[s.CustomerID], seq)
			continue
		}
		if err := x.compareUnlinked(ctx, s); err != nil {
			return err
		}
	}
	confirm := len(order) <= maxConfirmUnknown
	for _, id := range order {
		group := make([]fulfillment.Subject, 0, len(ids[id]))
		for _, seq := range ids[id] {
			s, err := x.sc.subjectAt(ctx, seq, x.exotic)
			if err != nil {
				return err
			}
			group = append(group, s)
		}
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

// compareCustomers files every customer's own findings — unmatched (no
// subject) and ambiguous (several) — in Stripe's order, and keeps the
// inputs of those a policy change could judge differently. Only those
// customers are read again; the rest (one subject, nothing kept) are
// counted from their custState.
func (x *run) compareCustomers(ctx context.Context) error {
	keeps := !x.p.check.DryRun
	if keeps {
		seqs, err := x.sc.int64s(ctx, `SELECT c.seq FROM stored JOIN cust c ON c.id = stored.id`)
		if err != nil {
			return err
		}
		for _, seq := range seqs {
			x.cust[seq-1].flags |= hasStored
		}
	}
	for i := range x.cust {
		st := &x.cust[i]
		if st.subjects != 1 || (keeps && st.flags&(sensitive|hasStored) != 0) {
			r, err := x.sc.customerAt(ctx, int64(i+1))
			if err != nil {
				return err
			}
			if err := x.compareCustomer(ctx, r, st); err != nil {
				return err
			}
		}
		x.n.checked.Add(1)
		if st.flags&flagged == 0 {
			x.n.held.Add(1)
		}
		x.n.done.Add(1)
	}
	return nil
}

func (x *run) compareCustomer(ctx context.Context, r *custRow, st *custState) error {
	if st.subjects != 1 {
		var cands []fulfillment.Subject
		if st.subjects > 1 {
			seqs, err := x.sc.int64s(ctx, `SELECT sseq FROM cand WHERE cseq = ? ORDER BY sseq`, r.seq)
			if err != nil {
				return err
			}
			for _, seq := range seqs {
				s, err := x.sc.subjectAt(ctx, seq, x.exotic)
				if err != nil {
					return err
				}
				cands = append(cands, leanSubject(s))
			}
		}
		p := fulfillment.DerivePromise(x.billingOf(r), x.plans, x.policy, x.now)
		var fs []fulfillment.Finding
		for _, f := range fulfillment.Compare(p, cands, x.plans, x.policy, x.now) {
			if f.Kind == fulfillment.UnmatchedCustomer || f.Kind == fulfillment.AmbiguousMatch {
				fs = append(fs, f)
			}
		}
		if len(fs) > 0 {
			st.flags |= flagged
		}
		if err := x.addAll(ctx, fs); err != nil {
			return err
		}
	}
	return x.keepFullInputs(ctx, r)
}

// dropGoneLinks removes the links of subjects the app no longer has.
func (x *run) dropGoneLinks(ctx context.Context) error {
	gone, err := x.sc.strings(ctx, `SELECT skey FROM olink WHERE NOT EXISTS (SELECT 1 FROM subj WHERE subj.skey = olink.skey)`)
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := x.sink.link(ctx, k, ""); err != nil {
			return err
		}
	}
	return nil
}
