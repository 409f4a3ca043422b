package check

import (
	"encoding/json"

	"parityrail/db"
	"parityrail/fulfillment"
)

// Resolutions of incidents a check resolves while verifying a fix.
const (
	ResolutionVerifiedRepair = "verified after repair"
	ResolutionVerifiedGuided = "verified after guided fix"
)

// repairProposal is the repair a check files with a finding: only for a
// Postgres row whose fix is a change of mapped fields (Clerk repairs are
// guided, shown from the finding itself).
func repairProposal(f fulfillment.Finding) *db.RepairProposal {
	if f.Subject == nil || f.Subject.Kind != fulfillment.SubjectRow {
		return nil
	}
	plan, ok := fulfillment.Repair(f)
	if !ok {
		return nil
	}
	b, err := json.Marshal(plan)
	if err != nil {
		return nil // a plan is plain data; it always encodes
	}
	fields := make([]map[string]any, 0, len(plan.Fields))
	for _, fc := range plan.Fields {
		fields = append(fields, map[string]any{"field": fc.Field, "path": fc.Path, "before": fc.Before, "after": fc.After})
	}
	return &db.RepairProposal{SubjectKind: string(plan.SubjectKind), SubjectID: plan.SubjectID, Table: plan.Table, Plan: b,
		Reason: plan.Reason, Detail: map[string]any{"kind": f.Kind, "table": plan.Table, "key": plan.SubjectID, "fields": fields, "reason": plan.Reason}}
}

// resolution is what the sink writes on an incident it resolves.
func (s *sink) resolution(incidentID string) string {
	if r := s.resolveAs[incidentID]; r != "" {
		return r
	}
	return ResolutionHolds
}
