package onboarding

import "testing"

func TestRailStates(t *testing.T) {
	p := For("", nil)
	if len(p.Steps) != Count || p.CurrentStep != 1 || p.Steps[0].State != Current || p.Steps[7].State != Todo {
		t.Fatalf("fresh project rail = %+v", p)
	}
	p = For("postgres", map[int]bool{1: true, 2: true, 4: true})
	want := []string{Done, Done, Current, Done, Todo, Todo, Todo, Todo}
	for i, s := range p.Steps {
		if s.State != want[i] {
			t.Errorf("step %d (%s) state = %s, want %s", s.Number, s.Title, s.State, want[i])
		}
	}
	if p.CurrentStep != 3 {
		t.Errorf("current = %d, want 3", p.CurrentStep)
	}
}

func TestClerkChangesStepFourHint(t *testing.T) {
	if h := For("clerk", nil).Steps[3].Hint; h != "Matched automatically." {
		t.Errorf("clerk step 4 hint = %q", h)
	}
	if h := For("postgres", nil).Steps[3].Hint; h == "Matched automatically." {
		t.Error("postgres step 4 hint says matched automatically")
	}
}
