package postgres

import (
	"encoding/json"
	"strings"

	"parityrail/fulfillment"
)

// Preview is the UPDATE that approving plan runs, as a person reads it in
// the approve dialog: the new values, the row, and the guard that every
// column still holds what the check read. Values stand inline as literals;
// the row's key column is named only when the repair runs (ApplyRepair
// reads the table's primary key then), so the preview says <primary key>.
func Preview(plan fulfillment.RepairPlan) string { return PreviewWith(plan, "IS NOT DISTINCT FROM") }

// PreviewWith renders Preview with another engine's NULL-safe equality
// (SQLite's IS), so every writer of repairs shows the statement it runs.
func PreviewWith(plan fulfillment.RepairPlan, nullSafeEq string) string {
	var b strings.Builder
	b.WriteString("UPDATE " + plan.Table + "\nSET\n")
	for i, f := range plan.Fields {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  " + quoteIdent(f.Path) + " = " + literal(f.After))
	}
	b.WriteString("\nWHERE <primary key> = " + literal(plan.SubjectID))
	for _, f := range plan.Fields {
		b.WriteString("\n  AND " + quoteIdent(f.Path) + " " + nullSafeEq + " " + literal(f.Before))
	}
	b.WriteString(";")
	return b.String()
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// literal is a value as SQL text: NULL, a quoted string, or its JSON
// (numbers, booleans, lists and objects).
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	if s := string(b); strings.HasPrefix(s, `"`) { // a time.Time and the like
		var str string
		if json.Unmarshal(b, &str) == nil {
			return literal(str)
		}
	}
	return string(b)
}
