package db

import "testing"

// The scheduled jobs see only onboarded projects, each with its schedules
// (the defaults when none is stored).
func TestEachOnboardedProject(t *testing.T) {
	d := newTestStore(t)
	ctx := t.Context()
	live, err := d.CreateProject(ctx, "Live")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateProject(ctx, "Draft"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.write.ExecContext(ctx, `UPDATE projects SET onboarded_at = ? WHERE id = ?`, formatTime(d.now()), live.ID); err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = d.EachOnboardedProject(ctx, func(p Project, schedules []Schedule) error {
		seen = append(seen, p.Name)
		if len(schedules) != len(DefaultSchedules) {
			t.Errorf("%s: %d schedules, want the %d defaults", p.Name, len(schedules), len(DefaultSchedules))
		}
		return nil
	})
	if err != nil || len(seen) != 1 || seen[0] != "Live" {
		t.Errorf("walked %v (%v), want only Live", seen, err)
	}
}
