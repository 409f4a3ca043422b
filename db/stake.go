package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
// not-ignored incidents per currency and kind, largest first, from the
// kept counts (incident_counts, migration 0020): a currency and kind with
// no amount left is left out.
func (d *DB) StakeTotals(ctx context.Context, projectID string) ([]StakeTotal, error) {
	out := []StakeTotal{}
	err := eachRow(ctx, d.read, "money at stake", func(row rowScanner) error {
		var t StakeTotal
		err := row.Scan(&t.Currency, &t.Kind, &t.MonthlyMinor)
		out = append(out, t)
		return err
	}, `SELECT currency, kind, SUM(staked_minor) FROM incident_counts
		WHERE project_id = ? AND status NOT IN ('resolved', 'ignored') AND currency <> ''
		GROUP BY currency, kind HAVING SUM(staked) > 0 ORDER BY SUM(staked_minor) DESC, currency, kind`, projectID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stakeOrder lists the most money at stake first (one currency).
const stakeOrder = ` ORDER BY at_stake_minor DESC, seq DESC`

// stakeWhere narrows a list to one currency's incidents; sorted by money at
// stake, to those with an amount (metered prices and unknown amounts have
// none to sort by).
func stakeWhere(where []string, args []any, f IncidentFilter) ([]string, []any) {
	where, args = append(where, "at_stake_currency = ?"), append(args, strings.ToLower(f.Currency))
	if f.Sort == SortAtStake {
		where = append(where, "at_stake_minor IS NOT NULL")
	}
	return where, args
}

// stakeCursor is "s.<seq>.<monthly_minor>".
func stakeCursor(last Incident) string {
	var minor int64
	if last.AtStake != nil && last.AtStake.MonthlyMinor != nil {
		minor = *last.AtStake.MonthlyMinor
	}
	return fmt.Sprintf("s.%d.%d", last.Seq, minor)
}

func parseStakeCursor(c string) (minor, seq int64, ok bool) {
	parts := strings.Split(c, ".")
	if len(parts) != 3 || parts[0] != "s" {
		return 0, 0, false
	}
	seq, err1 := strconv.ParseInt(parts[1], 10, 64)
	minor, err2 := strconv.ParseInt(parts[2], 10, 64)
	return minor, seq, err1 == nil && err2 == nil
}
