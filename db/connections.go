package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"parityrail/ledger"
	"time"
)

// Connection is a project's stored link to Stripe, Postgres or Clerk. The
// sealed fields are only ever opened by the vault, right before use.
type Connection struct {
	ProjectID    string
	Kind         string
	SealedSecret string
	SealedExtra  string
	Label        string
	ExtraLabel   string
	Livemode     bool
	ConnectedAt  time.Time
	ConnectedBy  string
}

// The two access-state sources are exclusive: connecting one replaces the other.
var accessKinds = map[string]string{"postgres": "clerk", "clerk": "postgres"}

// SaveConnection stores (or replaces) a connection.
func (d *DB) SaveConnection(ctx context.Context, c Connection) error {
	return d.inTx(ctx, "save connection", func(tx *sql.Tx) error {
		return saveConnection(ctx, tx, c, d.now())
	})
}

// saveConnection upserts c. Saving an access source removes the other access
// source in the same transaction, so a project never has both.
func saveConnection(ctx context.Context, tx *sql.Tx, c Connection, at time.Time) error {
	if other, ok := accessKinds[c.Kind]; ok {
		if _, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE project_id = ? AND kind = ?`, c.ProjectID, other); err != nil {
			return fmt.Errorf("replace access source: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO connections
		(project_id, kind, sealed_secret, sealed_extra, label, extra_label, livemode, connected_at, connected_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, kind) DO UPDATE SET sealed_secret = excluded.sealed_secret,
			sealed_extra = excluded.sealed_extra, label = excluded.label, extra_label = excluded.extra_label,
			livemode = excluded.livemode, connected_at = excluded.connected_at, connected_by = excluded.connected_by`,
		c.ProjectID, c.Kind, c.SealedSecret, c.SealedExtra, c.Label, c.ExtraLabel, c.Livemode, formatTime(at), nullable(c.ConnectedBy))
	if err != nil {
		return fmt.Errorf("save connection: %w", err)
	}
	// Every stored connection passed its test just before: the ledger says
	// which account or database the checks read from then on.
	detail := map[string]any{"source": c.Kind, "label": c.Label, "livemode": c.Livemode}
	if c.ExtraLabel != "" {
		detail["extra_label"] = c.ExtraLabel
	}
	return appendLedger(ctx, tx, c.ProjectID, at, []LedgerEntry{{Kind: ledger.ConnectionVerified, Actor: c.ConnectedBy, Detail: detail}})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const connectionColumns = `project_id, kind, sealed_secret, sealed_extra, label, extra_label, livemode, connected_at, connected_by`

func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var c Connection
	var connected string
	var by sql.NullString
	err := row.Scan(&c.ProjectID, &c.Kind, &c.SealedSecret, &c.SealedExtra, &c.Label, &c.ExtraLabel, &c.Livemode, &connected, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	c.ConnectedAt, c.ConnectedBy = parseTime(connected), by.String
	return c, err
}

// ConnectAccessSource stores a Postgres or Clerk connection (replacing the
// other one), makes it the project's access source, and marks step 3 done.
func (d *DB) ConnectAccessSource(ctx context.Context, c Connection) error {
	if _, ok := accessKinds[c.Kind]; !ok {
		return fmt.Errorf("connect access source: %q is not an access source", c.Kind)
	}
	return d.inTx(ctx, "connect access source", func(tx *sql.Tx) error {
		if err := saveConnection(ctx, tx, c, d.now()); err != nil {
			return err
		}
		now := formatTime(d.now())
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET access_source = ?, demo_app = '', updated_at = ? WHERE id = ?`, c.Kind, now, c.ProjectID); err != nil {
			return fmt.Errorf("connect access source: %w", err)
		}
		return completeStep(ctx, tx, c.ProjectID, 3, c.ConnectedBy, now)
	})
}

// ConnectBilling stores the Stripe connection and marks step 2 done.
func (d *DB) ConnectBilling(ctx context.Context, c Connection) error {
	return d.inTx(ctx, "connect billing", func(tx *sql.Tx) error {
		if err := saveConnection(ctx, tx, c, d.now()); err != nil {
			return err
		}
		return completeStep(ctx, tx, c.ProjectID, 2, c.ConnectedBy, formatTime(d.now()))
	})
}

// GetConnection returns the project's connection of a kind, or ErrNotFound.
func (d *DB) GetConnection(ctx context.Context, projectID, kind string) (Connection, error) {
	return queryOne(ctx, d.read, "get connection", scanConnection, `SELECT `+connectionColumns+`
		FROM connections WHERE project_id = ? AND kind = ?`, projectID, kind)
}

// ListConnections returns the project's connections, secrets still sealed.
func (d *DB) ListConnections(ctx context.Context, projectID string) ([]Connection, error) {
	return queryAll(ctx, d.read, "list connections", scanConnection,
		`SELECT `+connectionColumns+` FROM connections WHERE project_id = ? ORDER BY kind`, projectID)
}

// SaveMapping stores the project's mapping document and marks the given
// onboarding steps done.
func (d *DB) SaveMapping(ctx context.Context, projectID, document, userID string, steps ...int) error {
	return d.SaveMappingLedgered(ctx, projectID, document, userID, nil, steps...)
}

// SaveMappingLedgered saves the mapping and appends entries (e.g. a policy
// change) to the project's ledger in the same transaction: the ledger never
// misses a change that was saved, nor records one that was not.
func (d *DB) SaveMappingLedgered(ctx context.Context, projectID, document, userID string, entries []LedgerEntry, steps ...int) error {
	return d.inTx(ctx, "save mapping", func(tx *sql.Tx) error {
		now := formatTime(d.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO mappings (project_id, document, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (project_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			projectID, document, now, userID); err != nil {
			return fmt.Errorf("save mapping: %w", err)
		}
		for _, s := range steps {
			if err := completeStep(ctx, tx, projectID, s, userID, now); err != nil {
				return err
			}
		}
		return appendLedger(ctx, tx, projectID, d.now(), entries)
	})
}

// GetMapping returns the stored mapping document, or ErrNotFound.
func (d *DB) GetMapping(ctx context.Context, projectID string) (string, error) {
	var doc string
	err := d.read.QueryRowContext(ctx, `SELECT document FROM mappings WHERE project_id = ?`, projectID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("get mapping: %w", err)
	}
	return doc, nil
}

// CompleteSteps marks onboarding steps done (for steps that save nothing
// else, like Clerk's automatic identity matching).
func (d *DB) CompleteSteps(ctx context.Context, projectID, userID string, steps ...int) error {
	return d.inTx(ctx, "complete steps", func(tx *sql.Tx) error {
		now := formatTime(d.now())
		for _, s := range steps {
			if err := completeStep(ctx, tx, projectID, s, userID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// RoleCredential is a suggested role of a project, its password sealed.
type RoleCredential struct {
	Role           string
	SealedPassword string
}

// GetRoleCredential returns the project's suggested role of a kind (read,
// repair); ErrNotFound when none was made yet.
func (d *DB) GetRoleCredential(ctx context.Context, projectID, kind string) (RoleCredential, error) {
	var c RoleCredential
	err := d.read.QueryRowContext(ctx, `SELECT role, sealed_password FROM role_credentials WHERE project_id = ? AND kind = ?`,
		projectID, kind).Scan(&c.Role, &c.SealedPassword)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("role credential: %w", err)
	}
	return c, nil
}

// SaveRoleCredential stores (or replaces) a project's suggested role.
func (d *DB) SaveRoleCredential(ctx context.Context, projectID, kind string, c RoleCredential) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO role_credentials (project_id, kind, role, sealed_password, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (project_id, kind) DO UPDATE SET role = excluded.role, sealed_password = excluded.sealed_password, created_at = excluded.created_at`,
		projectID, kind, c.Role, c.SealedPassword, formatTime(d.now()))
	if err != nil {
		return fmt.Errorf("save role credential: %w", err)
	}
	return nil
}
