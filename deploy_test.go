package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The shipped systemd unit is valid and hardened: systemd-analyze accepts it
// and rates its exposure at most 2.0 (skipped where systemd-analyze is absent).
func TestSystemdUnit(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("deploy/parityrail.service")
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart's binary exists: point it at this test's.
	self, _ := os.Executable()
	path := filepath.Join(t.TempDir(), "parityrail.service")
	os.WriteFile(path, []byte(strings.Replace(string(unit), "ExecStart=/usr/local/bin/parityrail", "ExecStart="+self, 1)), 0o644)
	if out, err := exec.Command(tool, "verify", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(tool, "security", "--offline=true", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for parityrail.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
		t.Errorf("exposure %.1f, want ≤ 2.0", level)
	}
}
