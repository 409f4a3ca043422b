package sources

import (
	"golang.org/x/time/rate"

	"parityrail/access/clerk"
	"parityrail/billing"
	"parityrail/db"
)

// SourceDemo is the billing and access source of a demo project.
const SourceDemo = "demo"

// Demo is where demo projects read their data: each demo project's own
// in-process world (demo/world), reached through the same Stripe and Clerk
// connectors as real accounts, with the world's own keys. A demo project
// never uses a stored credential, and a real project never gets these bases.
type Demo struct {
	StripeKey string
	ClerkKey  string
	// Bases returns the API bases of the project's demo world: Stripe
	// without /v1, Clerk with /v1.
	Bases func(projectID string) (stripeBase, clerkBase string)
}

func (o *Opener) demo() (*Demo, error) {
	if o.Demo == nil || o.Demo.Bases == nil {
		return nil, sourceError(CodeDemoUnavailable, "Demo data is only served by the running app (parityrail serve); start the check from the web app.")
	}
	return o.Demo, nil
}

// demoStripe is a demo project's Stripe: its world's, with the world's key.
func (o *Opener) demoStripe(p db.Project) (*billing.Client, error) {
	d, err := o.demo()
	if err != nil {
		return nil, err
	}
	stripeBase, _ := d.Bases(p.ID)
	// The demo world is in-process: no request cap to respect.
	c, err := billing.New(billing.Config{Key: d.StripeKey, APIBase: stripeBase, Limiter: rate.NewLimiter(rate.Inf, 1),
		OnResponse: o.Observer("stripe")})
	if err != nil {
		return nil, sourceError(CodeDemoUnavailable, "The demo Stripe account cannot be opened: %s", err.Error())
	}
	return c, nil
}

// demoClerk is a demo project's Clerk: its world's, with the world's key.
func (o *Opener) demoClerk(p db.Project) (*clerk.Client, error) {
	d, err := o.demo()
	if err != nil {
		return nil, err
	}
	_, clerkBase := d.Bases(p.ID)
	c, err := clerk.New(clerk.Config{BaseURL: clerkBase, SecretKey: d.ClerkKey, OnResponse: o.Observer("clerk")})
	if err != nil {
		return nil, &SourceError{Code: CodeDemoUnavailable, Message: err.Error(), Err: err}
	}
	return c, nil
}
