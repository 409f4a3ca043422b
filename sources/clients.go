package sources

import (
	"context"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/db"
)

// The connectors themselves, for the pages that need more than a check
// does (step 2's probe and "Load from Stripe", step 3's schema, step 6's
// metadata keys, repairs). Every one is opened here, so a project's Stripe
// reads all draw from its one budget, demo projects reach only their own
// world, and a missing or unreadable credential reads the same everywhere.

// StripeClient opens the project's stored Stripe key (a demo project's
// world otherwise).
func (o *Opener) StripeClient(ctx context.Context, p db.Project) (*billing.Client, error) {
	if p.BillingSource == SourceDemo {
		return o.demoStripe(p)
	}
	_, key, err := o.secret(ctx, p.ID, "stripe")
	if err != nil {
		return nil, err
	}
	return o.CandidateStripe(p, key)
}

// CandidateStripe opens a Stripe client for a key not stored yet (step 2's
// "Test & connect"). It draws from the project's budget like every other
// read of that account; a malformed key is billing's *KeyError.
func (o *Opener) CandidateStripe(p db.Project, key string) (*billing.Client, error) {
	cfg := billing.Config{Key: key, APIBase: o.StripeAPIBase, OnResponse: o.Observer("stripe")}
	if _, mode, err := billing.ValidateKey(key); err == nil {
		cfg.Limiter = o.StripeBudget(p, mode)
	}
	return billing.New(cfg)
}

// ClerkClient opens the project's stored Clerk key (a demo project's world
// otherwise).
func (o *Opener) ClerkClient(ctx context.Context, p db.Project) (*clerk.Client, error) {
	if p.AccessSource == SourceDemo {
		return o.demoClerk(p)
	}
	_, key, err := o.secret(ctx, p.ID, "clerk")
	if err != nil {
		return nil, err
	}
	return o.CandidateClerk(p, key)
}

// CandidateClerk opens a Clerk client for a key not stored yet (step 3).
// It draws from the project's Clerk budget like every other read of it; a
// malformed key is clerk's *Error.
func (o *Opener) CandidateClerk(p db.Project, key string) (*clerk.Client, error) {
	cfg := clerk.Config{BaseURL: o.ClerkAPIBase, SecretKey: key, OnResponse: o.Observer("clerk")}
	if mode := clerk.KeyMode(key); mode != "" {
		cfg.Budget = o.ClerkBudget(p, mode)
	}
	return clerk.New(cfg)
}

// PostgresSource opens the project's stored read-only connection.
func (o *Opener) PostgresSource(ctx context.Context, p db.Project) (*postgres.Source, error) {
	_, cs, err := o.secret(ctx, p.ID, "postgres")
	if err != nil {
		return nil, err
	}
	return o.CandidatePostgres(ctx, cs)
}

// CandidatePostgres opens a read-only connection string not stored yet.
func (o *Opener) CandidatePostgres(ctx context.Context, connString string) (*postgres.Source, error) {
	return postgres.Connect(ctx, connString)
}

// Repairer opens the project's stored repair connection (the demo SQL
// app's writer for that demo), used for one approved UPDATE and closed by
// the caller.
func (o *Opener) Repairer(ctx context.Context, p db.Project) (Repairer, error) {
	if p.AccessSource == SourceDemoSQL {
		return o.demoAppRepairer(ctx, p)
	}
	conn, err := o.DB.GetConnection(ctx, p.ID, "postgres")
	if err != nil || conn.SealedExtra == "" {
		return nil, sourceError(CodeNoRepairConnection, "Add a repair connection on step 3 (Database) first.")
	}
	cs, err := o.Vault.Open(conn.SealedExtra)
	if err != nil {
		return nil, sourceError(CodeCredentialUnreadable, "The stored repair connection cannot be decrypted (the credentials key changed?). Reconnect it on step 3.")
	}
	r, err := o.CandidateRepairer(ctx, cs)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return r, nil
}

// CandidateRepairer opens a repair connection string not stored yet.
func (o *Opener) CandidateRepairer(ctx context.Context, connString string) (*postgres.Repairer, error) {
	return postgres.ConnectRepair(ctx, connString)
}
