package db

import (
	"path/filepath"
	"testing"
)

// The scheduled jobs see only onboarded projects, each with its schedules
// (the defaults when none is stored).
func TestEachOnboardedProject(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "parityrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := t.Context()
	owner, err := d.CreateOwner(ctx, "o@example.com", "O", "x")
	if err != nil {
		t.Fatal(err)
	}
	live, err := d.CreateProject(ctx, "Live")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateProject(ctx, "Draft"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CompleteGoLive(ctx, GoLive{ProjectID: live.ID, UserID: owner.ID}); err != nil {
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
