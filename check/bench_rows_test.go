package check

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The benchmark table (make bench): every benchmark row prints one line
//
//	ROW|N|source|latency|cap|wall|floor|ratio|requests|429s|peak RSS|note
//
// that the Makefile gathers into one table at the end (check/bench_table.awk).
// Cells are already formatted for people; "-" is a cell that does not
// apply. The note carries the check's own CPU time and the machine's load
// average: on a shared 2-core machine wall time is only as good as the
// cores the check got. These benchmarks' names leave out "FullCheck", which
// bench-full's -bench pattern would match.

// benchRow is one row of the table.
type benchRow struct {
	N        int
	Source   string        // Postgres, Clerk
	Latency  time.Duration // per page, in the fakes
	Cap      string        // the fakes' 429 cap and the check's budget, or "none"
	Wall     time.Duration
	Floor    string // the floor and what it is made of
	Ratio    string // wall ÷ floor (the capped row: and ÷ the cap's floor alone)
	Requests string // requests made vs the minimum pages
	Limited  int    // 429s received; -1: not counted
	PeakRSS  int64  // bytes, the check's process
	Note     string
}

func (r benchRow) print() {
	lat := "0"
	if r.Latency > 0 {
		lat = r.Latency.String()
	}
	limited := "-"
	if r.Limited >= 0 {
		limited = fmt.Sprint(r.Limited)
	}
	cells := []string{fmt.Sprint(r.N), r.Source, lat, r.Cap, fmt.Sprintf("%.1f s", r.Wall.Seconds()), r.Floor, r.Ratio,
		r.Requests, limited, fmt.Sprintf("%.0f MB", float64(r.PeakRSS)/(1<<20)), r.Note}
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "|", "/")
	}
	fmt.Printf("ROW|%s\n", strings.Join(cells, "|"))
}

// secs formats a duration as seconds for the table.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// ratio formats wall ÷ floor.
func ratio(wall, floor time.Duration) string {
	return fmt.Sprintf("%.2f", wall.Seconds()/floor.Seconds())
}

// startHelper runs test (a helper process of this test binary, enabled by
// env) and returns what it prints after prefix (its URL). The helper
// serves until its stdin closes, at the benchmark's end.
func startHelper(b *testing.B, test string, env []string, prefix string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			go io.Copy(io.Discard, stdout)
			return v
		}
		fmt.Fprintln(os.Stderr, sc.Text()) // why it did not start
	}
	b.Fatalf("the helper %s did not start", test)
	return ""
}

// resetPeakRSS makes VmHWM measure from here on (the check, not building
// the world or reading the floor).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS (%v); it includes the set-up", err)
	}
}

// benchDrifted is how many of n customers have a wrong app row.
func benchDrifted(n int) int {
	d := 0
	for i := 0; i < n; i++ {
		if benchDrift(i) {
			d++
		}
	}
	return d
}

// benchAppPlan is customer i's plan in the app, as fillBenchApp writes it:
// the promised plan, "free" when nothing is owed, swapped for the ~5% that
// drifted.
func benchAppPlan(i int) string {
	_, grants := benchStatus(i)
	_, plan := benchPlan(i)
	if !grants {
		plan = "free"
	}
	if benchDrift(i) {
		if grants {
			plan = "free"
		} else {
			plan = "pro"
		}
	}
	return plan
}

// loadAvg is the machine's 1-minute load average ("?" when unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// benchNote is a row's note: what it verified, the check's CPU time and the
// load it ran under.
func benchNote(verified string, cpu time.Duration) string {
	return fmt.Sprintf("%s; check CPU %s; load %s", verified, secs(cpu), loadAvg())
}

// benchRun is one timed full check of the benchmark's project: its result,
// wall and CPU time (this process's: ParityRail alone), and the peak RSS.
// It fails the benchmark unless the check finished with exactly the
// drifted customers' incidents, having read n customers.
func benchRun(b *testing.B, runner *Runner, projectID string, n int) (res Result, elapsed, cpu time.Duration, peak int64) {
	start, cpu0 := time.Now(), cpuTime()
	res, err := runner.Run(context.Background(), Request{ProjectID: projectID, Scope: ScopeFull, Actor: "bench"})
	elapsed, cpu = time.Since(start), cpuTime()-cpu0
	if err != nil || res.Check.Status != "finished" {
		b.Fatalf("check: %v %+v", err, res.Check)
	}
	peak, _ = peakRSS()
	if drift := benchDrifted(n); int(res.Check.Counts.Opened) != drift || res.Summary.Customers != n {
		b.Fatalf("opened %d incidents for %d drifted customers (read %d customers)", res.Check.Counts.Opened, drift, res.Summary.Customers)
	}
	return res, elapsed, cpu, peak
}
