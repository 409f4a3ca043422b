package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReleaseBinaryCarriesNoFaultInjection: the binary `make build` makes
// (-tags release) serves its demo worlds through the Stripe and Clerk fakes,
// but none of their scripted failures is in it, nor the benchmarks'
// generated Stripe account.
func TestReleaseBinaryCarriesNoFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "parityrail")
	if out, err := exec.Command("go", "build", "-tags", "release", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	syms := string(out)
	if !strings.Contains(syms, "parityrail/demo/stripefake.(*Server).ServeHTTP") {
		t.Fatal("the demo's Stripe fake is not in the binary: this test no longer looks at the right thing")
	}
	for _, s := range []string{"stripefake.(*Server).FailNext", "stripefake.(*Server).RateLimitNext",
		"clerkfake.(*Server).FailNext", "clerkfake.(*Server).RateLimitNext",
		"stripefake.NewGenerated", "stripefake.(*Generated).ServeHTTP"} {
		if strings.Contains(syms, s) {
			t.Errorf("the release binary carries %s", s)
		}
	}
}
