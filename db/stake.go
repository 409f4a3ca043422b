package db

import (
	"context"
	"fmt"
)

func stakeMinor(s *AtStake) any {
	if s == nil || s.MonthlyMinor == nil {
		return nil
	}
	return *s.MonthlyMinor
}

func stakeCurrency(s *AtStake) string {
	if s == nil {
		return ""
	}
	return s.Currency
}

func stakeBasis(s *AtStake) string {
	if s == nil {
		return ""
	}
	return s.Basis
}

// StakeTotal is the money at stake of a project's unresolved incidents of
// one kind in one currency, per month (incidents whose amount is unknown
// are left out of the sum).
type StakeTotal struct {
	Currency     string
	Kind         string
	MonthlyMinor int64
}

// StakeTotals sums the money at stake of the project's unresolved,
// not-ignored incidents per currency and kind, largest first.
func (d *DB) StakeTotals(ctx context.Context, projectID string) ([]StakeTotal, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT at_stake_currency, kind, SUM(at_stake_minor) FROM incidents
		WHERE project_id = ? AND status NOT IN ('resolved', 'ignored') AND at_stake_minor IS NOT NULL AND at_stake_currency <> ''
		GROUP BY at_stake_currency, kind ORDER BY SUM(at_stake_minor) DESC, at_stake_currency, kind`, projectID)
	if err != nil {
		return nil, fmt.Errorf("money at stake: %w", err)
	}
	defer rows.Close()
	out := []StakeTotal{}
	for rows.Next() {
		var t StakeTotal
		if err := rows.Scan(&t.Currency, &t.Kind, &t.MonthlyMinor); err != nil {
			return nil, fmt.Errorf("money at stake: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
