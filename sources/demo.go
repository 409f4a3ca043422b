package sources

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/time/rate"

	"parityrail/access/clerk"
	"parityrail/access/sqlite"
	"parityrail/billing"
	"parityrail/db"
	"parityrail/mapping"
)

// Demo projects' sources. Billing is always "demo"; the access source says
// which app the demo's customers use.
const (
	// SourceDemo is a demo project whose app keeps access in Clerk (the
	// world's in-process Clerk): repairs are guided.
	SourceDemo = "demo"
	// SourceDemoSQL is a demo project whose app keeps access in SQL tables
	// (an SQLite file in the data folder, read and repaired like Postgres):
	// approved repairs run for real.
	SourceDemoSQL = "demo_sql"
)

// IsDemoAccess reports whether an access source is demo data.
func IsDemoAccess(access string) bool { return access == SourceDemo || access == SourceDemoSQL }

// Demo is where demo projects read their data: each demo project's own
// in-process world (demo/world), reached through the same Stripe and Clerk
// connectors as real accounts, with the world's own keys, and for the SQL
// app a file of the project's own. A demo project never uses a stored
// credential, and a real project never gets these bases or files.
type Demo struct {
	StripeKey string
	ClerkKey  string
	// Bases returns the API bases of the project's demo world: Stripe
	// without /v1, Clerk with /v1.
	Bases func(projectID string) (stripeBase, clerkBase string)
	// AppDir holds the SQL apps, <AppDir>/<projectID>.db ("" : no SQL app
	// is served). AppSchema is the schema name its tables are read under.
	AppDir    string
	AppSchema string
	// AppSeed returns the script seeding the project's SQL app from its
	// world, and a version that changes whenever the world is rebuilt.
	AppSeed func(projectID string) (version, script string)
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
	c, err := clerk.New(clerk.Config{BaseURL: clerkBase, SecretKey: d.ClerkKey, OnResponse: o.Observer("clerk"),
		Budget: o.ClerkBudget(p, clerk.KeyMode(d.ClerkKey))})
	if err != nil {
		return nil, &SourceError{Code: CodeDemoUnavailable, Message: err.Error(), Err: err}
	}
	return c, nil
}

// demoApp is the path of a demo project's SQL app, seeded from its world
// when it is missing or was seeded from another build of the world (the
// process restarted: the world, and so its Stripe, is new).
func (o *Opener) demoApp(p db.Project) (*Demo, string, error) {
	d, err := o.demo()
	if err != nil {
		return nil, "", err
	}
	if d.AppDir == "" || d.AppSeed == nil || p.AccessSource != SourceDemoSQL {
		return nil, "", sourceError(CodeDemoUnavailable, "This process serves no demo SQL app; restart ParityRail with `parityrail serve`.")
	}
	path := filepath.Join(d.AppDir, p.ID+".db")
	if version, script := d.AppSeed(p.ID); sqlite.SeedVersion(path) != version {
		if err := sqlite.Seed(path, script, version); err != nil {
			return nil, "", &SourceError{Code: CodeDemoUnavailable, Message: "The demo's SQL app cannot be created in the data folder: " + err.Error(), Err: err}
		}
	}
	return d, path, nil
}

// openDemoApp reads a demo project's SQL app through a read-only connection.
func (o *Opener) openDemoApp(ctx context.Context, p db.Project, m mapping.Mapping) (Access, error) {
	d, path, err := o.demoApp(p)
	if err != nil {
		return nil, err
	}
	src, err := sqlite.Open(ctx, path, d.AppSchema)
	if err != nil {
		return nil, asSourceError(err, CodeDemoUnavailable)
	}
	return &postgresAccess{src: src, m: m.Postgres()}, nil
}

// demoAppRepairer is the demo SQL app's writer, separate from its reader.
func (o *Opener) demoAppRepairer(ctx context.Context, p db.Project) (Repairer, error) {
	d, path, err := o.demoApp(p)
	if err != nil {
		return nil, err
	}
	r, err := sqlite.OpenRepairer(ctx, path, d.AppSchema)
	if err != nil {
		return nil, asSourceError(err, CodeDemoUnavailable)
	}
	return r, nil
}

// ResetDemoApp seeds a demo project's SQL app again from its world (after
// the world was reset): whatever repairs wrote is gone. Projects of other
// stacks have no SQL app; for them it does nothing.
func (o *Opener) ResetDemoApp(p db.Project) error {
	if p.AccessSource != SourceDemoSQL {
		return nil
	}
	d, err := o.demo()
	if err != nil {
		return err
	}
	if d.AppDir == "" || d.AppSeed == nil {
		return sourceError(CodeDemoUnavailable, "This process serves no demo SQL app; restart ParityRail with `parityrail serve`.")
	}
	version, script := d.AppSeed(p.ID)
	if err := sqlite.Seed(filepath.Join(d.AppDir, p.ID+".db"), script, version); err != nil {
		return fmt.Errorf("reset the demo SQL app: %w", err)
	}
	return nil
}

// ForgetDemoApp deletes a demo project's SQL app file (the project is gone
// or left demo data).
func (o *Opener) ForgetDemoApp(projectID string) error {
	if o.Demo == nil || o.Demo.AppDir == "" {
		return nil
	}
	err := os.Remove(filepath.Join(o.Demo.AppDir, projectID+".db"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
