// Package onboarding describes the eight-step wizard: each step's name, the
// short hint under it on the rail, and whether it is done, current or to do.
package onboarding

// State of a step on the rail.
const (
	Done    = "done"
	Current = "current"
	Todo    = "todo"
)

type Step struct {
	Number int    `json:"number"`
	Key    string `json:"key"`
	Title  string `json:"title"`
	Hint   string `json:"hint"`
	State  string `json:"state"`
}

type Progress struct {
	CurrentStep int    `json:"current_step"`
	Steps       []Step `json:"steps"`
}

var steps = []Step{
	{Number: 1, Key: "stack", Title: "Stack", Hint: "Name it and pick your sources."},
	{Number: 2, Key: "stripe", Title: "Stripe", Hint: "Connect a restricted API key."},
	{Number: 3, Key: "database", Title: "Database", Hint: "Where your app keeps access."},
	{Number: 4, Key: "identity", Title: "Identity mapping", Hint: "Match customers to app rows."},
	{Number: 5, Key: "plans", Title: "Plan mapping", Hint: "Stripe prices to app plans."},
	{Number: 6, Key: "access", Title: "Access mapping", Hint: "Fields that grant paid access."},
	{Number: 7, Key: "dry-run", Title: "Dry run", Hint: "See what a check would find."},
	{Number: 8, Key: "go-live", Title: "Go live", Hint: "Schedule checks and finish."},
}

// Count is the number of steps in the wizard.
const Count = 8

// For returns the rail for a project: its access source changes a hint (Clerk
// matches customers automatically), and done marks completed steps. The
// current step is the first one not done; when all are done there is none.
func For(accessSource string, done map[int]bool) Progress {
	p := Progress{Steps: make([]Step, len(steps))}
	for i, s := range steps {
		if s.Number == 4 && (accessSource == "clerk" || accessSource == "demo") {
			s.Hint = "Matched automatically."
		}
		switch {
		case done[s.Number]:
			s.State = Done
		case p.CurrentStep == 0:
			s.State = Current
			p.CurrentStep = s.Number
		default:
			s.State = Todo
		}
		p.Steps[i] = s
	}
	return p
}
