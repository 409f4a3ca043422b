package db

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A server starting beside a live `parityrail check` (another process, its
// own handle on the same file) leaves that check running and keeps refusing
// a second one; a check whose process died is interrupted.
func TestStartLeavesLiveChecksRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parityrail.db")
	cli, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := t.Context()
	live, err := cli.CreateProject(ctx, "Live")
	if err != nil {
		t.Fatal(err)
	}
	dead, err := cli.CreateProject(ctx, "Dead")
	if err != nil {
		t.Fatal(err)
	}
	liveCheck, err := cli.BeginCheck(ctx, Check{ProjectID: live.ID, Scope: "full", Trigger: "person"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	deadCheck, err := cli.BeginCheck(ctx, Check{ProjectID: dead.ID, Scope: "full", Trigger: "person"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	beating := make(chan struct{})
	go func() { // the CLI's heartbeat
		defer close(beating)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = cli.UpdateCheckProgress(ctx, liveCheck.ID, CheckProgress{Phase: "reading_billing"}, CheckCounts{})
			}
		}
	}()
	defer func() { close(stop); <-beating }()

	server, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	n, err := server.FailDeadChecks(ctx, 500*time.Millisecond)
	if err != nil || n != 1 {
		t.Fatalf("start-up sweep: %d %v, want only the dead check", n, err)
	}
	if c, _ := server.GetCheck(ctx, liveCheck.ID); c.Status != "running" {
		t.Errorf("the live CLI check was ended: %+v", c)
	}
	if c, _ := server.GetCheck(ctx, deadCheck.ID); c.Status != "failed" {
		t.Errorf("the dead check: %+v", c)
	}
	var busy *BusyError
	if _, err := server.BeginCheck(ctx, Check{ProjectID: live.ID, Scope: "full", Trigger: "person"}, "y"); !errors.As(err, &busy) || busy.Running.ID != liveCheck.ID {
		t.Errorf("a second check of the live project: %v", err)
	}
	if _, err := server.BeginCheck(ctx, Check{ProjectID: dead.ID, Scope: "full", Trigger: "person"}, "y"); err != nil {
		t.Errorf("the dead check's project stays blocked: %v", err)
	}
}
