package server

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// benchWorld is the size of the project the incident and dashboard
// benchmarks read: what a week of checks and webhooks leaves in the store
// of an account with `customers` Stripe customers and `open` open
// incidents (issue 18 item 7: 1,000,000 and 100,000).
type benchWorld struct {
	customers int
	incidents int // open, acknowledged, ignored and resolved
	open      int
	events    int // webhook deliveries in the week
}

// The week starts with the project's first full check (day 0) and has one
// full check a day after it (days 1–6).
const worldDays = 7

// newBenchWorld sizes the world: PARITYRAIL_BENCH_WORLD_CUSTOMERS
// customers (default 1,000,000; smaller for a quick look; not the check
// benchmarks' PARITYRAIL_BENCH_CUSTOMERS); incidents are a quarter of the
// customers, 40% of them open (100,000 at 1M), 4% acknowledged, 4% ignored
// and 52% resolved; two webhook events per customer a month (a renewal's
// customer.subscription.updated and invoice.paid) over the week.
func newBenchWorld() (benchWorld, error) {
	n := 1_000_000
	if s := os.Getenv("PARITYRAIL_BENCH_WORLD_CUSTOMERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			return benchWorld{}, fmt.Errorf("PARITYRAIL_BENCH_WORLD_CUSTOMERS=%q: want a number ≥ 1000", s)
		}
		n = v
	}
	w := benchWorld{customers: n, incidents: n / 4, events: n * 2 * worldDays / 30 / 2 * 2}
	w.open = w.incidents / 25 * 10
	return w, nil
}

func (w benchWorld) String() string {
	return fmt.Sprintf("%d customers, %d incidents (%d open), %d webhook events", w.customers, w.incidents, w.open, w.events)
}

// seedWorld fills the project as a week of real checks would have left
// it, with bulk INSERT … SELECT statements over generated sequences (a
// million rows in seconds, not a million round trips):
//
//   - the first full check's promise per customer (promises), its linked
//     app row (subject_links) and, for the 5% a policy change could judge
//     differently, the inputs it read (policy_inputs);
//   - incidents: 60% opened by the first check, the rest by the daily
//     checks after it; 40% open, 4% acknowledged, 4% ignored, the rest
//     resolved by a later check; money at stake on every kind with an
//     amount (80% usd, 20% eur);
//   - checks: the seven daily full checks and one customer re-check per
//     pair of webhook events;
//   - webhook events, health counters, a few queued re-checks and refused
//     signatures;
//   - the Access Ledger in time order: each check's start and finish, every
//     promise change (all customers at the first check, 1% at each later
//     one), each incident's opening, acknowledgement, ignore and
//     resolution, and each acted-on webhook event.
//
// The ledger's hashes have the real shape but are not a verifiable chain
// (nothing benchmarked verifies it).
func seedWorld(raw *sql.DB, project, owner string, w benchWorld, now time.Time) error {
	day0 := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -worldDays).Add(3 * time.Hour).Unix()
	firstWebhook := day0 + 1800 // after the first check ended
	span := now.Unix() - 60 - firstWebhook
	pairs := w.events / 2
	r := strings.NewReplacer(
		"$N", strconv.Itoa(w.customers), "$M", strconv.Itoa(w.incidents), "$P", strconv.Itoa(pairs),
		"$D0", strconv.FormatInt(day0, 10), "$W0", strconv.FormatInt(firstWebhook, 10), "$SPAN", strconv.FormatInt(span, 10),
		"$DAYS", strconv.Itoa(worldDays), "$LAST", strconv.Itoa(worldDays-1))
	stmts := []string{
		`CREATE TEMP TABLE seq (i INTEGER PRIMARY KEY)`,
		`WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < max($N, $P * 2) - 1) INSERT INTO temp.seq SELECT i FROM g`,
		// Promises, links and policy inputs: one per customer.
		`INSERT INTO promises (project_id, customer_id, fingerprint, summary, boundary_at, updated_at)
		SELECT ?1, printf('cus_%07d', i), printf('%016x', i * 2654435761),
			printf('{"grants":true,"plan":"%s","status":"active","trial_end":null,"features":["api","seats"],"reason":"subscription sub_%07d is active"}',
				CASE i % 3 WHEN 0 THEN 'starter' WHEN 1 THEN 'pro' ELSE 'team' END, i),
			strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + (i % 30) * 86400 + 86400 * 3, 'unixepoch'),
			strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + 60 + i * 1200 / $N, 'unixepoch')
		FROM temp.seq WHERE i < $N`,
		`INSERT INTO subject_links (project_id, subject_key, customer_id)
		SELECT ?1, printf('row:public.users#%d', i), printf('cus_%07d', i) FROM temp.seq WHERE i < $N`,
		`INSERT INTO policy_inputs (project_id, customer_id, inputs, hash, read_at)
		SELECT ?1, printf('cus_%07d', i),
			printf('{"billing":{"customer":"cus_%07d","subscriptions":[{"id":"sub_%07d","status":"trialing","price":"price_pro_monthly","trial_end":%d}]},"subjects":["row:public.users#%d"]}', i, i, $D0 + 86400 * 10, i),
			printf('%064x', i * 40503), strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + 60 + i * 1200 / $N, 'unixepoch')
		FROM temp.seq WHERE i < $N AND i % 20 = 0`,
		// Incidents.
		`INSERT INTO incidents (id, project_id, customer_id, subject_key, subject_kind, subject_id, subject_email, subject_name,
			kind, severity, severity_rank, status, summary, fingerprint, diff_hash, finding, first_seen_at, last_seen_at,
			first_check_id, last_check_id, acknowledged_at, acknowledged_by, ignored_at, ignored_by, ignore_reason, resolved_at,
			resolution, search, at_stake_minor, at_stake_currency, at_stake_basis, policy_version)
		SELECT printf('inc_%07d', i), ?1, printf('cus_%07d', c),
			CASE WHEN k < 5 THEN printf('row:public.users#%d', c) ELSE '' END, CASE WHEN k < 5 THEN 'row' ELSE '' END,
			CASE WHEN k < 5 THEN printf('public.users#%d', c) ELSE '' END,
			printf('person%07d@example.com', c), printf('Person %d', c),
			kind, sev, rank, status, printf('%s for customer cus_%07d', kind, c), printf('%016x', i * 11400714819323198485),
			printf('%064x', i * 40503),
			printf('{"kind":"%s","customer_id":"cus_%07d","expected":{"grants":true,"plan":"pro","features":["api","seats"]},"actual":{"grants":%s,"plan":"starter","features":["api"]},"policy":{"version":"v3","grace_days":3},"evidence":{"subscription":"sub_%07d","status":"active","price":"price_pro_monthly","row":"public.users#%d"}}',
				kind, c, CASE WHEN k = 1 THEN 'true' ELSE 'false' END, c, c),
			strftime('%Y-%m-%dT%H:%M:%SZ', first, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', last, 'unixepoch'),
			'chk_full_' || ko, 'chk_full_' || CASE WHEN status = 'resolved' THEN kr ELSE $LAST END,
			CASE WHEN status = 'acknowledged' THEN strftime('%Y-%m-%dT%H:%M:%SZ', first + 3600, 'unixepoch') END,
			CASE WHEN status = 'acknowledged' THEN ?2 END,
			CASE WHEN status = 'ignored' THEN strftime('%Y-%m-%dT%H:%M:%SZ', first + 7200, 'unixepoch') END,
			CASE WHEN status = 'ignored' THEN ?2 END, CASE WHEN status = 'ignored' THEN 'internal test account' ELSE '' END,
			CASE WHEN status = 'resolved' THEN strftime('%Y-%m-%dT%H:%M:%SZ', resolved, 'unixepoch') END,
			CASE WHEN status = 'resolved' THEN 'promise_holds' ELSE '' END,
			printf('cus_%07d %s person%07d@example.com person %d', c, CASE WHEN k < 5 THEN printf('public.users#%d', c) ELSE '' END, c, c),
			CASE WHEN k < 5 THEN 500 + (i * 7919) % 50000 END, CASE WHEN k >= 5 THEN '' WHEN i % 5 = 0 THEN 'eur' ELSE 'usd' END,
			CASE WHEN k < 5 THEN 'price' ELSE '' END, 'v3'
		FROM (SELECT *, $D0 + ko * 86400 + 60 + i % 1200 AS first,
				CASE WHEN status = 'resolved' THEN $D0 + (kr - 1) * 86400 + 60 + i % 1200 ELSE $D0 + $LAST * 86400 + 60 + i % 1200 END AS last,
				$D0 + kr * 86400 + 60 + i % 1200 AS resolved
			FROM (SELECT *, ko + 1 + i % ($LAST - ko) AS kr FROM (SELECT i, (i * 4) % $N AS c, i % 7 AS k,
				CASE WHEN i * 10 < $M * 6 THEN 0 ELSE 1 + i % 5 END AS ko,
				CASE i % 7 WHEN 0 THEN 'paid_without_access' WHEN 1 THEN 'access_without_payment' WHEN 2 THEN 'wrong_plan'
					WHEN 3 THEN 'trial_mismatch' WHEN 4 THEN 'entitlement_mismatch' WHEN 5 THEN 'unmatched_customer' ELSE 'ambiguous_match' END AS kind,
				CASE i % 7 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'high' WHEN 6 THEN 'low' ELSE 'medium' END AS sev,
				CASE i % 7 WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 1 WHEN 6 THEN 3 ELSE 2 END AS rank,
				CASE WHEN i % 25 < 10 THEN 'open' WHEN i % 25 = 10 THEN 'acknowledged' WHEN i % 25 = 11 THEN 'ignored' ELSE 'resolved' END AS status
			FROM temp.seq WHERE i < $M)))`,
		// Checks: the daily full checks, then one re-check per webhook pair.
		`INSERT INTO checks (id, project_id, number, scope, trigger, status, started_by, started_at, finished_at, heartbeat_at, phase,
			progress_done, progress_total, checked, opened, resolved, summary)
		SELECT 'chk_full_' || i, ?1, i + 1, 'full', CASE WHEN i = 0 THEN 'person' ELSE 'schedule' END, 'finished',
			CASE WHEN i = 0 THEN ?2 END, strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + i * 86400, 'unixepoch'),
			strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + i * 86400 + 1500, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', $D0 + i * 86400 + 1500, 'unixepoch'),
			'done', $N, $N, $N, (SELECT COUNT(*) FROM incidents WHERE first_check_id = 'chk_full_' || i),
			(SELECT COUNT(*) FROM incidents WHERE status = 'resolved' AND last_check_id = 'chk_full_' || i),
			printf('{"promises_recorded":%d,"promises_changed":%d}', CASE WHEN i = 0 THEN $N ELSE 0 END, CASE WHEN i = 0 THEN 0 ELSE $N / 100 END)
		FROM temp.seq WHERE i < $DAYS`,
		`INSERT INTO checks (id, project_id, number, scope, customer_ids, trigger, status, started_by, started_at, finished_at, heartbeat_at,
			phase, progress_done, progress_total, checked, summary)
		SELECT printf('chk_wh_%07d', i), ?1, $DAYS + 1 + i, 'customer', printf('["cus_%07d"]', (i * 13) % $N), 'webhook', 'finished', NULL,
			strftime('%Y-%m-%dT%H:%M:%SZ', at + 4, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', at + 5, 'unixepoch'),
			strftime('%Y-%m-%dT%H:%M:%SZ', at + 5, 'unixepoch'), 'done', 1, 1, 1, '{"promises_changed":1}'
		FROM (SELECT i, $W0 + i * $SPAN / $P AS at FROM temp.seq WHERE i < $P)`,
		// Webhook events (a renewal's two), health, queue, refused signatures.
		`INSERT INTO webhook_events (project_id, event_id, type, customer_id, acted_on, livemode, created_at, received_at)
		SELECT ?1, printf('evt_%08d', i), CASE WHEN i % 2 = 0 THEN 'customer.subscription.updated' ELSE 'invoice.paid' END,
			printf('cus_%07d', (i / 2 * 13) % $N), 1, 1, strftime('%Y-%m-%dT%H:%M:%SZ', at - 1, 'unixepoch'),
			strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch')
		FROM (SELECT i, $W0 + i / 2 * $SPAN / $P + i % 2 AS at FROM temp.seq WHERE i < $P * 2)`,
		`INSERT INTO webhook_health (project_id, received, duplicates, last_event_at, last_event_type, signature_failures)
		SELECT ?1, COUNT(*), COUNT(*) / 200, MAX(received_at), 'invoice.paid', 3 FROM webhook_events WHERE project_id = ?1`,
		`INSERT INTO recheck_queue (project_id, customer_id, first_at, last_at, due_at)
		SELECT ?1, printf('cus_%07d', i * 7), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
			strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+2 seconds') FROM temp.seq WHERE i < 25`,
		`INSERT INTO webhook_signature_failures (project_id, at)
		SELECT ?1, strftime('%Y-%m-%dT%H:%M:%SZ', $W0 + i * 86400, 'unixepoch') FROM temp.seq WHERE i < 3`,
		// The ledger, numbered in time order. ev is what happened (see the
		// CASE below), a its subject: a check, customer, incident or event.
		`INSERT INTO ledger (project_id, n, at, kind, customer_id, subject_key, incident_id, check_id, actor, detail, prev_hash, hash)
		SELECT ?1, n, strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch'),
			CASE ev WHEN 0 THEN 'check_started' WHEN 1 THEN 'check_finished' WHEN 2 THEN 'promise_changed' WHEN 3 THEN 'incident_opened'
				WHEN 4 THEN 'incident_acknowledged' WHEN 5 THEN 'incident_ignored' WHEN 6 THEN 'incident_resolved' WHEN 7 THEN 'billing_event'
				WHEN 8 THEN 'check_started' ELSE 'check_finished' END,
			CASE WHEN ev = 2 THEN printf('cus_%07d', a % 10000000) WHEN ev BETWEEN 3 AND 6 THEN inc.customer_id
				WHEN ev = 7 THEN printf('cus_%07d', (a / 2 * 13) % $N) WHEN ev >= 8 THEN printf('cus_%07d', (a * 13) % $N) ELSE '' END,
			CASE WHEN ev BETWEEN 3 AND 6 THEN inc.subject_key ELSE '' END,
			CASE WHEN ev BETWEEN 3 AND 6 THEN inc.id ELSE '' END,
			CASE WHEN ev IN (0, 1) THEN 'chk_full_' || a WHEN ev = 2 THEN 'chk_full_' || (a / 10000000)
				WHEN ev = 3 THEN inc.first_check_id WHEN ev = 6 THEN inc.last_check_id WHEN ev >= 8 THEN printf('chk_wh_%07d', a) ELSE '' END,
			CASE WHEN ev IN (4, 5) THEN ?2 WHEN ev = 7 OR ev >= 8 THEN 'webhook' WHEN ev = 0 AND a = 0 THEN ?2 ELSE 'schedule' END,
			CASE ev WHEN 2 THEN printf('{"to":{"features":["api","seats"],"grants":true,"plan":"%s","reason":"subscription sub_%07d is active","status":"active"}}',
					CASE a % 3 WHEN 0 THEN 'starter' WHEN 1 THEN 'pro' ELSE 'team' END, a % 10000000)
				WHEN 3 THEN printf('{"kind":"%s","severity":"%s","summary":"%s"}', inc.kind, inc.severity, inc.summary)
				WHEN 6 THEN printf('{"kind":"%s","previous_status":"open","resolution":"promise_holds"}', inc.kind)
				WHEN 7 THEN printf('{"created":"%s","event_id":"evt_%08d","livemode":true,"type":"%s"}', strftime('%Y-%m-%dT%H:%M:%SZ', at - 1, 'unixepoch'), a,
					CASE WHEN a % 2 = 0 THEN 'customer.subscription.updated' ELSE 'invoice.paid' END)
				WHEN 0 THEN printf('{"number":%d,"scope":"full","trigger":"schedule"}', a + 1)
				WHEN 1 THEN printf('{"checked":%d,"number":%d}', $N, a + 1)
				WHEN 8 THEN printf('{"customers":["cus_%07d"],"scope":"customer","trigger":"webhook"}', (a * 13) % $N)
				WHEN 9 THEN '{"checked":1,"opened":0,"resolved":0}'
				ELSE printf('{"kind":"%s","from":"open"}', inc.kind) END,
			printf('%016x%016x%016x%016x', (n - 1) * 3, (n - 1) * 5, (n - 1) * 7, (n - 1) * 11),
			printf('%016x%016x%016x%016x', n * 3, n * 5, n * 7, n * 11)
		FROM (SELECT row_number() OVER (ORDER BY at, ev, a) AS n, at, ev, a FROM (
				SELECT $D0 + i * 86400 AS at, 0 AS ev, i AS a FROM temp.seq WHERE i < $DAYS
				UNION ALL SELECT $D0 + i * 86400 + 1500, 1, i FROM temp.seq WHERE i < $DAYS
				UNION ALL SELECT $D0 + 60 + i * 1200 / $N, 2, i FROM temp.seq WHERE i < $N
				UNION ALL SELECT $D0 + d.i * 86400 + 60 + s.i * 1200 / ($N / 100), 2, d.i * 10000000 + (s.i * 101 + d.i) % $N
					FROM temp.seq d JOIN temp.seq s ON s.i < $N / 100 WHERE d.i BETWEEN 1 AND $LAST
				UNION ALL SELECT CAST(strftime('%s', first_seen_at) AS INTEGER), 3, seq FROM incidents WHERE project_id = ?1
				UNION ALL SELECT CAST(strftime('%s', acknowledged_at) AS INTEGER), 4, seq FROM incidents WHERE project_id = ?1 AND acknowledged_at IS NOT NULL
				UNION ALL SELECT CAST(strftime('%s', ignored_at) AS INTEGER), 5, seq FROM incidents WHERE project_id = ?1 AND ignored_at IS NOT NULL
				UNION ALL SELECT CAST(strftime('%s', resolved_at) AS INTEGER), 6, seq FROM incidents WHERE project_id = ?1 AND resolved_at IS NOT NULL
				UNION ALL SELECT $W0 + i / 2 * $SPAN / $P + i % 2, 7, i FROM temp.seq WHERE i < $P * 2
				UNION ALL SELECT $W0 + i * $SPAN / $P + 4, 8, i FROM temp.seq WHERE i < $P
				UNION ALL SELECT $W0 + i * $SPAN / $P + 5, 9, i FROM temp.seq WHERE i < $P))
		LEFT JOIN incidents inc ON ev BETWEEN 3 AND 6 AND inc.seq = a`,
		`DROP TABLE temp.seq`,
	}
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range stmts {
		// Each statement binds only the parameters it names.
		args := []any{project, owner}
		switch {
		case strings.Contains(s, "?2"):
		case strings.Contains(s, "?1"):
			args = args[:1]
		default:
			args = nil
		}
		if _, err := tx.Exec(r.Replace(s), args...); err != nil {
			return fmt.Errorf("seed: %w\n%s", err, s)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := raw.Exec(`ANALYZE`); err != nil {
		return err
	}
	_, err = raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
