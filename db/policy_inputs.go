package db

import (
	"context"
	"fmt"
	"time"
)

// PolicyInputWrite stores (Inputs set) or removes (Inputs nil) what a check
// read of one customer, for policy previews.
type PolicyInputWrite struct {
	CustomerID string
	Inputs     []byte // fulfillment.PolicyInputs as JSON
	Hash       string
}

// PolicyInputHashes calls fn with the hash of every stored customer's
// inputs, so a full check writes only what changed.
func (d *DB) PolicyInputHashes(ctx context.Context, projectID string, fn func(customerID, hash string)) error {
	return eachPair(ctx, d.read, "policy input hashes", fn, `SELECT customer_id, hash FROM policy_inputs WHERE project_id = ?`, projectID)
}

// PolicyInputHash returns one customer's stored hash ("" when none).
func (d *DB) PolicyInputHash(ctx context.Context, projectID, customerID string) (string, error) {
	var h string
	err := d.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(hash), '') FROM policy_inputs WHERE project_id = ? AND customer_id = ?`,
		projectID, customerID).Scan(&h)
	if err != nil {
		return "", fmt.Errorf("policy input hash: %w", err)
	}
	return h, nil
}

// EachPolicyInput calls fn with every stored customer's inputs, in
// customer id order.
func (d *DB) EachPolicyInput(ctx context.Context, projectID string, fn func(customerID string, inputs []byte, readAt time.Time) error) error {
	rows, err := d.read.QueryContext(ctx, `SELECT customer_id, inputs, read_at FROM policy_inputs WHERE project_id = ? ORDER BY customer_id`, projectID)
	if err != nil {
		return fmt.Errorf("policy inputs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, in, at string
		if err := rows.Scan(&id, &in, &at); err != nil {
			return fmt.Errorf("policy inputs: %w", err)
		}
		if err := fn(id, []byte(in), parseTime(at)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func writePolicyInputs(ctx context.Context, st *stmts, projectID, ts string, ws []PolicyInputWrite) error {
	for _, w := range ws {
		var err error
		if w.Inputs == nil {
			err = st.exec(ctx, `DELETE FROM policy_inputs WHERE project_id = ? AND customer_id = ?`, projectID, w.CustomerID)
		} else {
			err = st.exec(ctx, `INSERT INTO policy_inputs (project_id, customer_id, inputs, hash, read_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (project_id, customer_id) DO UPDATE SET inputs = excluded.inputs, hash = excluded.hash, read_at = excluded.read_at`,
				projectID, w.CustomerID, string(w.Inputs), w.Hash, ts)
		}
		if err != nil {
			return fmt.Errorf("write policy inputs: %w", err)
		}
	}
	return nil
}
