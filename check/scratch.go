package check

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3" // the scratch database

	"parityrail/billing"
	"parityrail/fulfillment"
)

// scratch is a full check's working store: both sides of the check are
// streamed into it as they are read and joined there, so the check's
// memory does not grow with the account (a million customers are a few
// hundred megabytes on disk, and a few megabytes of per-customer flags in
// memory). It is a throwaway SQLite file next to the main database: no
// journal, no sync, a bounded page cache, removed when the check ends.
type scratch struct {
	path string
	db   *sql.DB
	conn *sql.Conn

	mu      sync.Mutex // the streams load concurrently through one connection
	rows    int        // rows written in the open transaction
	loading bool       // no statement is open: the transaction may be cut
	seq     map[string]int64
	bulk    map[string]*bulkInsert
	stmts   map[string]*sql.Stmt // queries, prepared once
}

// scratchCacheKB bounds SQLite's page cache for the scratch file (its
// sorter for index builds spills to disk past it too).
const scratchCacheKB = 16 << 10

const scratchSchema = `
CREATE TABLE cust (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, email TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE sub (seq INTEGER PRIMARY KEY, customer TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE subj (seq INTEGER PRIMARY KEY, field TEXT NOT NULL, value TEXT NOT NULL, byid INTEGER NOT NULL,
	skey TEXT NOT NULL, cseq INTEGER, nmatch INTEGER NOT NULL DEFAULT 0, data BLOB);
CREATE TABLE ent (cseq INTEGER PRIMARY KEY, keys BLOB NOT NULL);
CREATE TABLE known (id TEXT PRIMARY KEY, fp TEXT NOT NULL, boundary BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE stored (id TEXT PRIMARY KEY, hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE olink (skey TEXT PRIMARY KEY, customer TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nlink (skey TEXT NOT NULL, customer TEXT NOT NULL);
CREATE TABLE cval (field TEXT NOT NULL, value TEXT NOT NULL, cseq INTEGER NOT NULL);
CREATE TABLE cand (cseq INTEGER NOT NULL, sseq INTEGER NOT NULL, PRIMARY KEY (cseq, sseq)) WITHOUT ROWID;
CREATE TABLE held (cseq INTEGER NOT NULL, sseq INTEGER NOT NULL, shared INTEGER NOT NULL, PRIMARY KEY (cseq, sseq)) WITHOUT ROWID;
`

// openScratch creates the scratch file in dir (the system's temporary
// directory when dir is empty).
func openScratch(ctx context.Context, dir, name string) (*scratch, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "parityrail-scratch-"+name+"-*.db")
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	path := f.Name()
	f.Close()
	s := &scratch{path: path, seq: map[string]int64{}, bulk: map[string]*bulkInsert{}, stmts: map[string]*sql.Stmt{}, loading: true}
	s.db, err = sql.Open("sqlite3", "file:"+path)
	if err == nil {
		s.db.SetMaxOpenConns(1)
		s.conn, err = s.db.Conn(ctx)
	}
	if err == nil {
		_, err = s.conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;
			PRAGMA cache_size=-%d; PRAGMA mmap_size=0; %s`, scratchCacheKB, scratchSchema))
	}
	if err == nil {
		err = s.begin(ctx)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("scratch: %w", err)
	}
	return s, nil
}

func (s *scratch) close() {
	for _, b := range s.bulk {
		b.close()
	}
	for _, st := range s.stmts {
		st.Close()
	}
	if s.conn != nil {
		s.conn.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
	os.Remove(s.path)
}

// query runs q through a statement prepared on first use.
func (s *scratch) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st := s.stmts[q]
	if st == nil {
		var err error
		if st, err = s.conn.PrepareContext(ctx, q); err != nil {
			return nil, fmt.Errorf("scratch: %w", err)
		}
		s.stmts[q] = st
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	return rows, nil
}

// The scratch is written in long transactions: a statement outside one
// would be a transaction of its own each.
func (s *scratch) begin(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "BEGIN")
	s.rows = 0
	return err
}

func (s *scratch) commit(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "COMMIT")
	return err
}

// exec runs statements inside the open transaction.
func (s *scratch) exec(ctx context.Context, q string, args ...any) error {
	_, err := s.conn.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	return nil
}

// bulkInsert inserts rows of one table, a hundred a statement (a page of
// a list is a hundred objects).
type bulkInsert struct {
	cols       int
	one, many  *sql.Stmt
	args       []any
	perStmt    int
	table      string
	columnList string
}

func (s *scratch) prepareBulk(ctx context.Context, table, columns string) (*bulkInsert, error) {
	if b := s.bulk[table]; b != nil {
		return b, nil
	}
	cols := strings.Count(columns, ",") + 1
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	b := &bulkInsert{cols: cols, perStmt: 100, table: table, columnList: columns}
	var err error
	if b.one, err = s.conn.PrepareContext(ctx, "INSERT INTO "+table+" ("+columns+") VALUES "+row); err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	many := "INSERT INTO " + table + " (" + columns + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", b.perStmt), ",")
	if b.many, err = s.conn.PrepareContext(ctx, many); err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	s.bulk[table] = b
	return b, nil
}

func (b *bulkInsert) close() {
	if b.one != nil {
		b.one.Close()
	}
	if b.many != nil {
		b.many.Close()
	}
}

// insert writes rows (flattened column values) to table; callers hold mu
// or are alone on the scratch.
func (s *scratch) insert(ctx context.Context, table, columns string, vals []any) error {
	b, err := s.prepareBulk(ctx, table, columns)
	if err != nil {
		return err
	}
	n := len(vals) / b.cols
	for len(vals) >= b.perStmt*b.cols {
		if _, err := b.many.ExecContext(ctx, vals[:b.perStmt*b.cols]...); err != nil {
			return fmt.Errorf("scratch %s: %w", table, err)
		}
		vals = vals[b.perStmt*b.cols:]
	}
	for len(vals) > 0 {
		if _, err := b.one.ExecContext(ctx, vals[:b.cols]...); err != nil {
			return fmt.Errorf("scratch %s: %w", table, err)
		}
		vals = vals[b.cols:]
	}
	// Committing now and then keeps SQLite's dirty pages bounded by its
	// cache rather than by the transaction.
	s.rows += n
	if s.loading && s.rows >= 50_000 {
		if err := s.commit(ctx); err != nil {
			return err
		}
		return s.begin(ctx)
	}
	return nil
}

// next hands out the sequence numbers of a table: the order things
// arrived in, which is Stripe's order for customers and subscriptions.
func (s *scratch) next(table string, n int) int64 {
	first := s.seq[table] + 1
	s.seq[table] += int64(n)
	return first
}

// addCustomers stores a page of customers in arrival order.
func (s *scratch) addCustomers(ctx context.Context, page []billing.Customer, ids []string) error {
	vals := make([]any, 0, 4*len(page))
	encs := make([]enc, len(page))
	emails := make([]string, len(page))
	for i := range page {
		encs[i].customer(page[i])
		if !page[i].Deleted {
			emails[i] = fulfillment.FoldEmail(page[i].Email)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.next("cust", len(page))
	for i := range page {
		id := page[i].ID
		if ids != nil {
			id = ids[i]
		}
		vals = append(vals, seq+int64(i), id, emails[i], encs[i].b)
	}
	return s.insert(ctx, "cust", "seq, id, email, data", vals)
}

// addSubscriptions stores a page of subscriptions in arrival order; those
// naming no customer belong to no one and are left out.
func (s *scratch) addSubscriptions(ctx context.Context, page []billing.Subscription) error {
	vals := make([]any, 0, 3*len(page))
	var e enc
	type row struct {
		customer string
		data     []byte
	}
	rows := make([]row, 0, len(page))
	for i := range page {
		if page[i].CustomerID == "" {
			continue
		}
		start := len(e.b)
		e.subscription(page[i])
		rows = append(rows, row{page[i].CustomerID, e.b[start:len(e.b):len(e.b)]})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.next("sub", len(rows))
	for i, r := range rows {
		vals = append(vals, seq+int64(i), r.customer, r.data)
	}
	return s.insert(ctx, "sub", "seq, customer, data", vals)
}

// missingCustomers are the customers subscriptions name that the
// customer list did not return, in the order the subscriptions came.
func (s *scratch) missingCustomers(ctx context.Context) ([]string, error) {
	if err := s.exec(ctx, `CREATE INDEX cust_id ON cust(id); CREATE INDEX sub_customer ON sub(customer, seq)`); err != nil {
		return nil, err
	}
	return column[string](s.query(ctx, `SELECT customer FROM sub WHERE NOT EXISTS (SELECT 1 FROM cust WHERE cust.id = sub.customer)
		GROUP BY customer ORDER BY MIN(seq)`))
}

// count is how many rows a table holds.
func (s *scratch) count(ctx context.Context, table string) (int, error) {
	var n int
	err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

// custRow is one customer with everything the scratch joined to it.
type custRow struct {
	seq        int64
	cb         billing.CustomerBilling
	ents       []string // nil when none were read
	known      bool     // a promise is stored for the customer
	knownFP    string   // its fingerprint
	knownBound []byte   // its boundary, encoded
	storedHash string   // the stored policy inputs' hash ("" when none)
}

const customerQuery = `SELECT c.seq, c.data, e.keys, k.fp, k.boundary, st.hash, s.data
	FROM cust c LEFT JOIN ent e ON e.cseq = c.seq LEFT JOIN known k ON k.id = c.id LEFT JOIN stored st ON st.id = c.id
	LEFT JOIN sub s ON s.customer = c.id`

// customerQueryNoEnts is the same without entitlements, for the walk that
// reads them (and writes the ent table).
const customerQueryNoEnts = `SELECT c.seq, c.data, NULL, NULL, NULL, NULL, s.data
	FROM cust c LEFT JOIN sub s ON s.customer = c.id`

// customerQueryBare is customers alone (s stands in for no subscription).
const customerQueryBare = `SELECT c.seq, c.data, NULL, NULL, NULL, NULL, NULL FROM cust c, (SELECT 0 AS seq) s`

// eachCustomer calls fn for every customer in arrival order (or for the
// one at seq when seq > 0), its subscriptions in arrival order. fn may use
// the scratch (queries, inserts into other tables) while the walk goes on.
func (s *scratch) eachCustomer(ctx context.Context, seq int64, fn func(*custRow) error) error {
	return s.walkCustomers(ctx, customerQuery, seq, fn)
}

func (s *scratch) walkCustomers(ctx context.Context, query string, seq int64, fn func(*custRow) error) error {
	q, args := query+` ORDER BY c.seq, s.seq`, []any(nil)
	if seq > 0 {
		q, args = query+` WHERE c.seq = ? ORDER BY s.seq`, []any{seq}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *custRow
	d := &dec{}
	for rows.Next() {
		var cseq int64
		var cdata, keys, bound, sdata sql.RawBytes
		var fp, hash sql.NullString
		if err := rows.Scan(&cseq, &cdata, &keys, &fp, &bound, &hash, &sdata); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if cur == nil || cur.seq != cseq {
			if cur != nil {
				if err := fn(cur); err != nil {
					return err
				}
			}
			cur = &custRow{seq: cseq, known: fp.Valid, knownFP: fp.String, knownBound: append([]byte(nil), bound...), storedHash: hash.String}
			d.b = cdata
			cur.cb.Customer = d.customer()
			if keys != nil {
				d.b = keys
				cur.ents = d.strs()
			}
		}
		if sdata != nil {
			d.b = sdata
			cur.cb.Subscriptions = append(cur.cb.Subscriptions, d.subscription())
		}
		if d.err != nil {
			return d.err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	if cur != nil {
		return fn(cur)
	}
	return nil
}

// customerAt reads one customer by its sequence number.
func (s *scratch) customerAt(ctx context.Context, seq int64) (*custRow, error) {
	var out *custRow
	err := s.eachCustomer(ctx, seq, func(r *custRow) error { out = r; return nil })
	if err == nil && out == nil {
		err = errors.New("scratch: customer missing")
	}
	return out, err
}

// subjectAt reads one stored subject by its sequence number (exotic
// holds the few the codec could not encode).
func (s *scratch) subjectAt(ctx context.Context, seq int64, exotic map[int64]fulfillment.Subject) (fulfillment.Subject, error) {
	rows, err := s.query(ctx, `SELECT data FROM subj WHERE seq = ?`, seq)
	if err != nil {
		return fulfillment.Subject{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		return fulfillment.Subject{}, fmt.Errorf("scratch: subject %d missing", seq)
	}
	var data []byte
	if err := rows.Scan(&data); err != nil {
		return fulfillment.Subject{}, fmt.Errorf("scratch: %w", err)
	}
	if data == nil {
		return exotic[seq], nil
	}
	d := dec{b: data}
	subj := d.subject()
	return subj, d.err
}

// subjectRow is one app subject as stored: what links it, and the
// subject itself (nil data: kept in memory, see run.exotic).
type subjectRow struct {
	field, value, skey string
	byID               bool
	data               []byte
}

// addSubjects stores app subjects in arrival order.
func (s *scratch) addSubjects(ctx context.Context, batch []subjectRow) (first int64, err error) {
	vals := make([]any, 0, 6*len(batch))
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.next("subj", len(batch))
	for i, r := range batch {
		var data any
		if r.data != nil {
			data = r.data
		}
		vals = append(vals, seq+int64(i), r.field, r.value, r.byID, r.skey, data)
	}
	return seq, s.insert(ctx, "subj", "seq, field, value, byid, skey, data", vals)
}

// batch gathers rows for one scratch table and inserts them rows at a
// time (insert's many-row statements), so a caller streaming rows in need
// not count them.
type batch struct {
	sc          *scratch
	table, cols string
	rows        int // rows an insert
	vals        []any
	n           int // rows in vals
}

func (s *scratch) batch(table, cols string, rows int) *batch {
	return &batch{sc: s, table: table, cols: cols, rows: rows}
}

// add queues one row, inserting the batch once it holds rows rows.
func (b *batch) add(ctx context.Context, row ...any) error {
	b.vals = append(b.vals, row...)
	if b.n++; b.n < b.rows {
		return nil
	}
	return b.flush(ctx)
}

// flush inserts the rows queued so far.
func (b *batch) flush(ctx context.Context) error {
	if b.n == 0 {
		return nil
	}
	err := b.sc.insert(ctx, b.table, b.cols, b.vals)
	b.vals, b.n = b.vals[:0], 0
	return err
}

// strings runs a query of one text column.
func (s *scratch) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	return column[string](s.query(ctx, q, args...))
}

// int64s runs a query of one integer column.
func (s *scratch) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	return column[int64](s.query(ctx, q, args...))
}

// column reads the one column of the rows a query returned, closing them.
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scratch: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
