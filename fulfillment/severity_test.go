package fulfillment

import "testing"

func TestThresholdsFailAtOrAboveTheirSeverity(t *testing.T) {
	counts := map[string]int{"critical": 1, "high": 2, "medium": 4, "low": 8}
	for name, want := range map[string]int{"critical": 1, "high": 3, "medium": 7, "any": 15, "none": 0} {
		th, err := ParseThreshold(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.Failing(counts); got != want {
			t.Errorf("--fail-on %s: %d failing, want %d", name, got, want)
		}
	}
	if th, _ := ParseThreshold("high"); th.Failing(map[string]int{"medium": 3, "low": 1}) != 0 {
		t.Error("medium and low fail a high threshold")
	}
	for _, bad := range []string{"", "HIGH", "low", "all"} {
		if _, err := ParseThreshold(bad); err == nil {
			t.Errorf("--fail-on %q accepted", bad)
		}
	}
}
