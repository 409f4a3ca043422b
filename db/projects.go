package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

type Project struct {
	ID            string
	Name          string
	BillingSource string
	AccessSource  string
	OnboardedAt   *time.Time
	// RepairsEnabled: approved repairs may write to the app (Postgres with a
	// repair connection only).
	RepairsEnabled bool
	// StripeMaxRPS is the project's Stripe request budget (0: the default
	// of its key's mode).
	StripeMaxRPS float64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// StepsDone holds the onboarding steps (1–8) a person has completed.
	StepsDone map[int]bool
}

// projectColumns reads access_source with demo_app folded in: the demo's
// SQL app is stored as access_source 'demo' + demo_app 'sql' (migration
// 0019 says why) and is the access source "demo_sql" everywhere else.
const projectColumns = `id, name, billing_source, CASE WHEN demo_app = 'sql' THEN 'demo_sql' ELSE access_source END,
	onboarded_at, repairs_enabled, stripe_max_rps, created_at, updated_at`

// storedAccess splits an access source into its two stored columns.
func storedAccess(access string) (source, demoApp string) {
	if access == "demo_sql" {
		return "demo", "sql"
	}
	return access, ""
}

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var onboarded sql.NullString
	var created, updated string
	if err := row.Scan(&p.ID, &p.Name, &p.BillingSource, &p.AccessSource, &onboarded, &p.RepairsEnabled, &p.StripeMaxRPS, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Project{}, ErrNotFound
		}
		return Project{}, err
	}
	p.OnboardedAt = parseNullTime(onboarded)
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	p.StepsDone = map[int]bool{}
	return p, nil
}

func (d *DB) CreateProject(ctx context.Context, name string) (Project, error) {
	now := d.now()
	p := Project{ID: newID("prj_"), Name: name, CreatedAt: now, UpdatedAt: now, StepsDone: map[int]bool{}}
	_, err := d.write.ExecContext(ctx, `INSERT INTO projects (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		p.ID, p.Name, formatTime(now), formatTime(now))
	if err != nil {
		return Project{}, fmt.Errorf("create project: %w", err)
	}
	return p, nil
}

func (d *DB) GetProject(ctx context.Context, id string) (Project, error) {
	p, err := scanProject(d.read.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = ?`, id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Project{}, err
		}
		return Project{}, fmt.Errorf("get project: %w", err)
	}
	err = eachRow(ctx, d.read, "get project steps", func(row rowScanner) error {
		var s int
		if err := row.Scan(&s); err != nil {
			return err
		}
		p.StepsDone[s] = true
		return nil
	}, `SELECT step FROM onboarding_steps WHERE project_id = ?`, id)
	if err != nil {
		return Project{}, err
	}
	return p, nil
}

// ListProjects lists every project, oldest first, with its completed steps.
func (d *DB) ListProjects(ctx context.Context) ([]Project, error) {
	out, err := queryAll(ctx, d.read, "list projects", scanProject, `SELECT `+projectColumns+` FROM projects ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(out))
	for i, p := range out {
		byID[p.ID] = i
	}
	err = eachPair(ctx, d.read, "list project steps", func(id string, s int) {
		if i, ok := byID[id]; ok {
			out[i].StepsDone[s] = true
		}
	}, `SELECT project_id, step FROM onboarding_steps`)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *DB) RenameProject(ctx context.Context, id, name string) error {
	return d.execOne(ctx, "rename project", `UPDATE projects SET name = ?, updated_at = ? WHERE id = ?`, name, formatTime(d.now()), id)
}

// DeleteProject deletes a project with everything it owns, and revokes the
// API keys that reached only it.
func (d *DB) DeleteProject(ctx context.Context, id string) error {
	if err := d.execOne(ctx, "delete project", `DELETE FROM projects WHERE id = ?`, id); err != nil {
		return err
	}
	_, err := d.write.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, revoked_by = 'project_deleted'
		WHERE project_id = ? AND revoked_at IS NULL`, formatTime(d.now()), id)
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	return nil
}

// SaveStack records step 1 (name and the two sources) and marks it done.
func (d *DB) SaveStack(ctx context.Context, id, name, billing, access, userID string) error {
	return d.inTx(ctx, "save stack", func(tx *sql.Tx) error {
		now := formatTime(d.now())
		source, demoApp := storedAccess(access)
		res, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, billing_source = ?, access_source = ?, demo_app = ?, updated_at = ? WHERE id = ?`,
			name, billing, source, demoApp, now, id)
		if err != nil {
			return fmt.Errorf("save stack: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return completeStep(ctx, tx, id, 1, userID, now)
	})
}

func completeStep(ctx context.Context, tx *sql.Tx, projectID string, step int, userID, now string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO onboarding_steps (project_id, step, completed_at, completed_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (project_id, step) DO UPDATE SET completed_at = excluded.completed_at, completed_by = excluded.completed_by`,
		projectID, step, now, userID)
	if err != nil {
		return fmt.Errorf("complete onboarding step %d: %w", step, err)
	}
	return nil
}

func (d *DB) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := d.write.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetStripeBudget stores a project's Stripe request budget (0: default).
func (d *DB) SetStripeBudget(ctx context.Context, projectID string, rps float64) error {
	return d.execOne(ctx, "stripe budget", `UPDATE projects SET stripe_max_rps = ?, updated_at = ? WHERE id = ?`, rps, formatTime(d.now()), projectID)
}

// SetRepairsEnabled turns approved repairs on or off for a project.
func (d *DB) SetRepairsEnabled(ctx context.Context, projectID string, enabled bool) error {
	res, err := d.write.ExecContext(ctx, `UPDATE projects SET repairs_enabled = ?, updated_at = ? WHERE id = ?`,
		enabled, formatTime(d.now()), projectID)
	if err != nil {
		return fmt.Errorf("set repairs enabled: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// GoLive is onboarding step 8's "Finish": the settings to apply and who
// finished.
type GoLive struct {
	ProjectID string
	UserID    string
	// RepairsEnabled is applied when set.
	RepairsEnabled *bool
	// Schedules are stored as given (specs already valid).
	Schedules []Schedule
	// Entry is ledgered with the change (the settings, the first check).
	Entry *LedgerEntry
}

// CompleteGoLive applies step 8's settings, marks step 8 done and the
// project onboarded (keeping the first onboarded_at), in one transaction.
func (d *DB) CompleteGoLive(ctx context.Context, g GoLive) (Project, error) {
	if err := d.inTx(ctx, "go live", func(tx *sql.Tx) error {
		now := d.now()
		at := formatTime(now)
		res, err := tx.ExecContext(ctx, `UPDATE projects SET onboarded_at = COALESCE(onboarded_at, ?), updated_at = ? WHERE id = ?`, at, at, g.ProjectID)
		if err != nil {
			return fmt.Errorf("go live: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if g.RepairsEnabled != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE projects SET repairs_enabled = ? WHERE id = ?`, *g.RepairsEnabled, g.ProjectID); err != nil {
				return fmt.Errorf("go live: %w", err)
			}
		}
		for _, s := range g.Schedules {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schedules (project_id, kind, spec, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (project_id, kind) DO UPDATE SET spec = excluded.spec, enabled = excluded.enabled, updated_at = excluded.updated_at`,
				g.ProjectID, s.Kind, s.Spec, s.Enabled, at); err != nil {
				return fmt.Errorf("go live: save schedule: %w", err)
			}
		}
		if err := completeStep(ctx, tx, g.ProjectID, 8, g.UserID, at); err != nil {
			return err
		}
		if g.Entry != nil {
			if err := appendLedger(ctx, tx, g.ProjectID, now, []LedgerEntry{*g.Entry}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return Project{}, err
	}
	return d.GetProject(ctx, g.ProjectID)
}
