package db

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parityrail/ledger"
)

// LedgerEntry is what a caller appends; the store numbers, chains and hashes it.
type LedgerEntry struct {
	Kind       ledger.Kind
	CustomerID string
	SubjectKey string
	IncidentID string
	CheckID    string
	Actor      string
	// Detail is anything JSON-encodable; it is stored canonically.
	Detail any
	// At defaults to the store's clock.
	At time.Time
}

// AppendLedger appends entries to the project's chain in one transaction.
func (d *DB) AppendLedger(ctx context.Context, projectID string, entries ...LedgerEntry) error {
	return d.inTx(ctx, "append ledger", func(tx *sql.Tx) error {
		return appendLedger(ctx, tx, projectID, d.now(), entries)
	})
}

// appendLedger chains entries after the project's last one, inside the
// caller's write transaction (writes are serialized, so the head read here
// cannot move before the commit).
func appendLedger(ctx context.Context, tx *sql.Tx, projectID string, now time.Time, entries []LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var n int64
	prev := ledger.Genesis
	err := tx.QueryRowContext(ctx, `SELECT n, hash FROM ledger WHERE project_id = ? ORDER BY n DESC LIMIT 1`, projectID).Scan(&n, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append ledger: %w", err)
	}
	rows := make([]any, 0, len(entries)*ledgerInsertColumns)
	for _, in := range entries {
		if in.Detail, err = withKeyName(ctx, tx, in.Actor, in.Detail); err != nil {
			return err
		}
		detail, err := ledger.Canonical(in.Detail)
		if err != nil {
			return err
		}
		at := in.At
		if at.IsZero() {
			at = now
		}
		n++
		e := ledger.Entry{ProjectID: projectID, N: n, At: at.UTC(), Kind: in.Kind, CustomerID: in.CustomerID,
			SubjectKey: in.SubjectKey, IncidentID: in.IncidentID, CheckID: in.CheckID, Actor: in.Actor, Detail: detail}
		ledger.Seal(&e, prev)
		prev = e.Hash
		rows = append(rows, projectID, e.N, e.At.Format(ledger.TimeFormat), string(e.Kind), e.CustomerID,
			e.SubjectKey, e.IncidentID, e.CheckID, e.Actor, string(e.Detail), e.PrevHash, e.Hash)
	}
	if err := insertRows(ctx, tx, `INSERT INTO ledger
		(project_id, n, at, kind, customer_id, subject_key, incident_id, check_id, actor, detail, prev_hash, hash)
		VALUES `, "", ledgerInsertColumns, rows); err != nil {
		return fmt.Errorf("append ledger: %w", err)
	}
	return nil
}

const ledgerInsertColumns = 12

// withKeyName adds the key's name to the detail of an entry an API key
// caused (actor "apikey:<id>"), so the ledger says which script acted even
// after the key is revoked or renamed.
func withKeyName(ctx context.Context, tx *sql.Tx, actor string, detail any) (any, error) {
	id, ok := strings.CutPrefix(actor, "apikey:")
	if !ok {
		return detail, nil
	}
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM api_keys WHERE id = ?`, id).Scan(&name); err != nil {
		return nil, fmt.Errorf("append ledger: key of %s: %w", actor, err)
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // large amounts keep every digit
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("append ledger: detail of a key's entry is not an object: %w", err)
		}
	}
	m["api_key_name"] = name
	return m, nil
}

const ledgerColumns = `seq, project_id, n, at, kind, customer_id, subject_key, incident_id, check_id, actor, detail, prev_hash, hash`

func scanLedger(row interface{ Scan(...any) error }) (ledger.Entry, error) {
	var e ledger.Entry
	var at, kind, detail string
	err := row.Scan(&e.Seq, &e.ProjectID, &e.N, &at, &kind, &e.CustomerID, &e.SubjectKey, &e.IncidentID, &e.CheckID,
		&e.Actor, &detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, err
	}
	// Parse exactly what is stored: a reformatted time would hash differently,
	// and a stored time that does not parse is itself tampering.
	e.At, _ = time.Parse(ledger.TimeFormat, at)
	e.Kind, e.Detail = ledger.Kind(kind), []byte(detail)
	return e, nil
}

// LedgerQuery selects entries of one project.
type LedgerQuery struct {
	CustomerID string // entries about this customer
	IncidentID string // entries about this incident
	// CheckIDs: how these checks ended (their check-level finished or
	// failed entries): a customer's "checked in check #N" lines. Every
	// entry of those checks about another customer or subject is left
	// out: nothing about anyone else.
	CheckIDs []string
	Limit    int // newest first when set; 0 = all, oldest first
}

// ListLedger returns a project's entries filtered by customer or incident,
// each with its chain status (see ledger.CheckEntry): whether it still
// matches its hash and links to the entry before it.
func (d *DB) ListLedger(ctx context.Context, projectID string, q LedgerQuery) ([]LedgerView, error) {
	where, args := `project_id = ?`, []any{projectID}
	if q.CustomerID != "" {
		where += ` AND customer_id = ?`
		args = append(args, q.CustomerID)
	}
	if q.IncidentID != "" {
		where += ` AND incident_id = ?`
		args = append(args, q.IncidentID)
	}
	if len(q.CheckIDs) > 0 {
		where += ` AND customer_id = '' AND subject_key = '' AND incident_id = ''
			AND kind IN ('check_finished', 'check_failed')
			AND check_id IN (` + placeholders(len(q.CheckIDs)) + `)`
		for _, id := range q.CheckIDs {
			args = append(args, id)
		}
	}
	order := ` ORDER BY n`
	if q.Limit > 0 {
		order = fmt.Sprintf(` ORDER BY n DESC LIMIT %d`, q.Limit)
	}
	out, err := queryAll(ctx, d.read, "list ledger", func(row rowScanner) (LedgerView, error) {
		e, err := scanLedger(row)
		return LedgerView{Entry: e}, err
	}, `SELECT `+ledgerColumns+` FROM ledger WHERE `+where+order, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		e := out[i].Entry
		prev, found := ledger.Genesis, e.N == 1
		if e.N > 1 {
			err := d.read.QueryRowContext(ctx, `SELECT hash FROM ledger WHERE project_id = ? AND n = ?`, projectID, e.N-1).Scan(&prev)
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, sql.ErrNoRows):
				return nil, fmt.Errorf("list ledger: %w", err)
			}
		}
		out[i].Chain = ledger.CheckEntry(e, prev, found)
	}
	return out, nil
}

// LedgerView is an entry and its chain status: intact, edited or broken.
type LedgerView struct {
	ledger.Entry
	Chain string `json:"chain"`
	// CheckNumber is the entry's check's number in the project (#12), set
	// where a timeline names checks by number.
	CheckNumber int64 `json:"check_number,omitempty"`
}

// VerifyResult is the outcome of walking every chain.
type VerifyResult struct {
	Projects int           `json:"projects"`
	Entries  int64         `json:"entries"`
	Broken   *ledger.Break `json:"broken,omitempty"` // the first broken link, nil when intact
}

// VerifyLedger walks the chain of one project (or of every project when
// projectID is empty) and reports the first broken link.
func (d *DB) VerifyLedger(ctx context.Context, projectID string) (VerifyResult, error) {
	q, args := `SELECT `+ledgerColumns+` FROM ledger ORDER BY project_id, n, seq`, []any(nil)
	if projectID != "" {
		q, args = `SELECT `+ledgerColumns+` FROM ledger WHERE project_id = ? ORDER BY n, seq`, []any{projectID}
	}
	var res VerifyResult
	var v *ledger.Verifier
	err := eachRow(ctx, d.read, "verify ledger", func(row rowScanner) error {
		e, err := scanLedger(row)
		if err != nil {
			return err
		}
		if v == nil || v.ProjectID != e.ProjectID {
			res.Projects++
			v = ledger.NewVerifier(e.ProjectID)
		}
		res.Entries++
		if !v.Add(e) && res.Broken == nil {
			res.Broken = v.Broken
		}
		return nil
	}, q, args...)
	return res, err
}
