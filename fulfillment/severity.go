package fulfillment

import "fmt"

// Severities, most severe first.
var Severities = []Severity{Critical, High, Medium, Low}

// Rank orders severities: critical 4, high 3, medium 2, low 1, anything
// else 0.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if s == v {
			return len(Severities) - i
		}
	}
	return 0
}

// Threshold is the severity at or above which incidents fail a pipeline
// (`parityrail check --fail-on`): critical, high, medium, any (every
// severity) or none (findings never fail it).
type Threshold struct {
	Name string
	min  int // lowest failing rank; 0: nothing fails
}

// Thresholds are the accepted --fail-on values, strictest last.
var Thresholds = []string{"critical", "high", "medium", "any", "none"}

// ParseThreshold reads a --fail-on value.
func ParseThreshold(s string) (Threshold, error) {
	switch s {
	case "critical", "high", "medium":
		return Threshold{Name: s, min: Severity(s).Rank()}, nil
	case "any":
		return Threshold{Name: s, min: Low.Rank()}, nil
	case "none":
		return Threshold{Name: s}, nil
	}
	return Threshold{}, fmt.Errorf("--fail-on %q: use critical, high, medium, any or none", s)
}

// Failing counts the incidents at or above the threshold among counts per
// severity.
func (t Threshold) Failing(bySeverity map[string]int) int {
	if t.min == 0 {
		return 0
	}
	n := 0
	for sev, c := range bySeverity {
		if Severity(sev).Rank() >= t.min {
			n += c
		}
	}
	return n
}
