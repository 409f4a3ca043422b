package db

import (
	"context"
	"database/sql"
	"fmt"
)

// SwitchStack records step 1 when a project switches between demo data and
// its own sources (either way). Nothing from the other side carries over:
// its connections, mapping and steps 2–8 are cleared and the project is no
// longer onboarded. Entering demo data (demoMapping set) stores the demo
// world's mapping, which pre-fills steps 4–6, and marks steps 2 and 3 done:
// demo data needs no key. One transaction, so a project is never half demo.
func (d *DB) SwitchStack(ctx context.Context, id, name, billing, access, userID, demoMapping string) error {
	return d.inTx(ctx, "switch stack", func(tx *sql.Tx) error {
		now := formatTime(d.now())
		source, demoApp := storedAccess(access)
		res, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, billing_source = ?, access_source = ?, demo_app = ?, onboarded_at = NULL,
			updated_at = ? WHERE id = ?`, name, billing, source, demoApp, now, id)
		if err != nil {
			return fmt.Errorf("switch stack: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		for _, q := range []string{
			`DELETE FROM connections WHERE project_id = ?`,
			`DELETE FROM mappings WHERE project_id = ?`,
			`DELETE FROM onboarding_steps WHERE project_id = ? AND step >= 2`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("switch stack: %w", err)
			}
		}
		steps := []int{1}
		if demoMapping != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mappings (project_id, document, updated_at, updated_by) VALUES (?, ?, ?, ?)`,
				id, demoMapping, now, nullable(userID)); err != nil {
				return fmt.Errorf("switch stack: save the demo mapping: %w", err)
			}
			steps = append(steps, 2, 3)
		}
		for _, s := range steps {
			if err := completeStep(ctx, tx, id, s, userID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// OnboardDemo finishes a demo project's onboarding in one go: mapping, every
// step done, onboarded, repairs on or off (on for the demo's SQL app, whose
// repairs run). The project's stack must already be demo data.
func (d *DB) OnboardDemo(ctx context.Context, id, userID, mappingDoc string, repairs bool) error {
	return d.inTx(ctx, "onboard demo project", func(tx *sql.Tx) error {
		now := formatTime(d.now())
		res, err := tx.ExecContext(ctx, `UPDATE projects SET onboarded_at = ?, updated_at = ?, repairs_enabled = ?
			WHERE id = ? AND billing_source = 'demo' AND access_source = 'demo'`, now, now, repairs, id)
		if err != nil {
			return fmt.Errorf("onboard demo project: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mappings (project_id, document, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (project_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			id, mappingDoc, now, nullable(userID)); err != nil {
			return fmt.Errorf("onboard demo project: %w", err)
		}
		for s := 1; s <= 8; s++ {
			if err := completeStep(ctx, tx, id, s, userID, now); err != nil {
				return err
			}
		}
		return nil
	})
}
