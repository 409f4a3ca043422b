package sqlite

import (
	"parityrail/access/postgres"
	"parityrail/fulfillment"
)

// Preview is the UPDATE that approving plan runs here, as the approve
// dialog shows it: SQLite's NULL-safe equality is IS (guardOf).
func Preview(plan fulfillment.RepairPlan) string { return postgres.PreviewWith(plan, "IS") }
