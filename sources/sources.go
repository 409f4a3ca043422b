package sources

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/billing"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// Billing is the read side of Stripe a check needs; *billing.Client is one.
type Billing interface {
	ReadAll(ctx context.Context) ([]billing.CustomerBilling, error)
	ReadCustomer(ctx context.Context, customerID string) (billing.CustomerBilling, error)
	ActiveEntitlements(ctx context.Context, customerID string) ([]string, error)
	Requests() int64
}

// Access is an app's access-state source (Clerk or Postgres).
type Access interface {
	// ReadAll streams every subject. An error from fn stops the read.
	ReadAll(ctx context.Context, fn func(fulfillment.Subject) error) error
	// ReadLinked reads the subjects linked to each customer asked about,
	// keyed by customer id.
	ReadLinked(ctx context.Context, qs []LinkQuery) (map[string][]fulfillment.Subject, error)
	// ReadSubject reads one subject by its key; ok is false when it is gone.
	ReadSubject(ctx context.Context, key string) (s fulfillment.Subject, ok bool, err error)
	// IdentityField is the Stripe field the subject's CustomerID holds:
	// mapping.BillingCustomerID, BillingEmail or "stripe.customer.metadata.<key>".
	IdentityField(s fulfillment.Subject) string
	Requests() int64
	Close()
}

// Repairer writes approved repairs: one guarded single-row UPDATE each
// (*postgres.Repairer, or the demo SQL app's writer). Errors are
// *postgres.Error, so a refusal reads the same whichever database it is.
type Repairer interface {
	ApplyRepair(ctx context.Context, m postgres.Mapping, plan fulfillment.RepairPlan) (postgres.RepairResult, error)
	Close()
}

// LinkQuery asks for the subjects linked to one customer.
type LinkQuery struct {
	// Customer is the customer as Stripe knows it; only its ID is set when
	// Stripe does not know it (Known false): rows are then looked up by the
	// raw value the incident was filed under.
	Customer billing.Customer
	Known    bool
	// Keys are the subject keys last seen linked to the customer (Clerk,
	// which cannot search metadata, reads exactly these).
	Keys []string
}

// Sources are a project's opened connectors.
type Sources struct {
	Billing Billing
	Access  Access
	Mapping mapping.Mapping
	// Entitlements: compare Stripe's active entitlements.
	Entitlements bool
}

// Close releases the access source's connections.
func (s *Sources) Close() {
	if s.Access != nil {
		s.Access.Close()
	}
}

// Opener opens a project's sources from its stored connections and mapping.
// A demo project's world plugs in as just other API bases (Demo).
type Opener struct {
	DB    *db.DB
	Vault interface{ Open(string) (string, error) }
	// StripeAPIBase and ClerkAPIBase point the connectors at Stripe and
	// Clerk, or at fakes (tests, demo).
	StripeAPIBase string
	ClerkAPIBase  string
	// Demo serves projects whose sources are "demo" (nil: they cannot be
	// checked in this process, e.g. the CLI).
	Demo *Demo
	// StripeRate is PARITYRAIL_STRIPE_MAX_RPS: it overrides every
	// project's Stripe budget. 0: no override (the project's setting, else
	// the key mode's default); negative or huge: no cap at all (loopback
	// benchmarks).
	StripeRate float64
	// Log receives the budget's rate-limit warnings; OnStripeThrottle counts
	// them (metrics).
	Log              *slog.Logger
	OnStripeThrottle func()
	// OnSourceResponse sees the HTTP status of every request a source
	// makes (metrics by source and status class).
	OnSourceResponse func(source string, status int)

	mu      sync.Mutex
	budgets map[string]*billing.Budget // one per project: everything reading its account shares it
	clerks  map[string]clerkBudget     // the same for Clerk
}

// clerkBudget is a project's Clerk budget and the cap it was made with.
type clerkBudget struct {
	per10s int
	b      *clerk.Budget
}

// Observer is the response hook of one source (nil without OnSourceResponse).
func (o *Opener) Observer(source string) func(int) {
	if o.OnSourceResponse == nil {
		return nil
	}
	return func(status int) { o.OnSourceResponse(source, status) }
}

// Budget sources, as the settings page names them.
const (
	BudgetFromEnvironment = "environment"
	BudgetFromProject     = "project"
	BudgetDefault         = "default"
)

// uncapped: PARITYRAIL_STRIPE_MAX_RPS=0 (or a test's huge rate) lifts
// every source's request cap, Clerk's too — for loopback benchmarks only.
func (o *Opener) uncapped() bool { return o.StripeRate < 0 || o.StripeRate >= 1e6 }

// StripeBudgetRate is the project's Stripe request budget for a key mode
// and where it comes from; 0 is no cap.
func (o *Opener) StripeBudgetRate(p db.Project, mode billing.Mode) (float64, string) {
	switch {
	case o.uncapped():
		return 0, BudgetFromEnvironment
	case o.StripeRate > 0:
		return o.StripeRate, BudgetFromEnvironment
	case p.StripeMaxRPS > 0:
		return p.StripeMaxRPS, BudgetFromProject
	}
	return billing.DefaultBudget(mode), BudgetDefault
}

// StripeBudget is the project's shared Stripe request budget, at its
// current rate: onboarding, checks, webhook re-checks and repairs of one
// project all draw from it.
func (o *Opener) StripeBudget(p db.Project, mode billing.Mode) *billing.Budget {
	r, _ := o.StripeBudgetRate(p, mode)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.budgets == nil {
		o.budgets = map[string]*billing.Budget{}
	}
	key := p.ID + "/" + string(mode)
	b, ok := o.budgets[key]
	if !ok {
		b = billing.NewBudget(r, o.Log)
		b.OnThrottle = o.OnStripeThrottle
		o.budgets[key] = b
	} else if b.Rate() != r {
		b.SetRate(r)
	}
	return b
}

// ClerkBudget is the project's shared Clerk request budget for an instance
// mode ("live" or "test"): Clerk's limit for the mode (1000 or 100
// requests / 10 s), or none while PARITYRAIL_STRIPE_MAX_RPS=0 lifts every
// cap. Checks, webhook re-checks, step 3 and repairs of one project draw
// from it together, and a 429 one of them gets pauses them all.
func (o *Opener) ClerkBudget(p db.Project, mode string) *clerk.Budget {
	per := 0 // Clerk's limit for the mode
	if o.uncapped() {
		per = -1
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.clerks == nil {
		o.clerks = map[string]clerkBudget{}
	}
	key := p.ID + "/" + mode
	cb, ok := o.clerks[key]
	if !ok || cb.per10s != per {
		cb = clerkBudget{per10s: per, b: clerk.NewBudget(mode, per)}
		o.clerks[key] = cb
	}
	return cb.b
}

// Open opens the project's billing and access sources. The caller closes them.
func (o *Opener) Open(ctx context.Context, p db.Project) (*Sources, error) {
	m, err := o.projectMapping(ctx, p)
	if err != nil {
		return nil, err
	}
	src := &Sources{Mapping: m, Entitlements: m.Access != nil && m.Access.StripeEntitlements}
	// Demo data covers billing and access together (step 1 refuses a mix):
	// a demo project reads only its in-process world, never a stored
	// credential, and a real project never reaches the demo.
	demoBilling, demoAccess := p.BillingSource == SourceDemo, IsDemoAccess(p.AccessSource)
	if demoBilling != demoAccess {
		return nil, sourceError(CodeDemoMixed, "Demo data covers billing and access state together: on step 1 (Stack) choose Demo data for both, or your own Stripe and app.")
	}
	if src.Billing, err = o.openBilling(ctx, p); err != nil {
		return nil, err
	}
	switch p.AccessSource {
	case SourceDemo, "clerk":
		src.Access, err = o.openClerk(ctx, p, m)
	case "postgres":
		src.Access, err = o.openPostgres(ctx, p, m)
	case SourceDemoSQL:
		src.Access, err = o.openDemoApp(ctx, p, m)
	case "":
		err = sourceError(CodeNoAccessSource, "Choose the access-state source on step 1 (Stack) and connect it on step 3.")
	default:
		err = sourceError(CodeUnsupportedSource, "The access-state source %q cannot be checked yet.", p.AccessSource)
	}
	if err != nil {
		return nil, err
	}
	return src, nil
}

func (o *Opener) projectMapping(ctx context.Context, p db.Project) (mapping.Mapping, error) {
	doc, err := o.DB.GetMapping(ctx, p.ID)
	if errors.Is(err, db.ErrNotFound) {
		return mapping.Mapping{}, sourceError(CodeNotMapped, "Map the access fields on step 6 (Access mapping) before running a check.")
	}
	if err != nil {
		return mapping.Mapping{}, err
	}
	m, err := mapping.Parse(doc)
	if err != nil {
		return mapping.Mapping{}, sourceError(CodeMappingUnreadable, "The saved mapping cannot be read; save steps 4–6 again.")
	}
	if m.Access == nil {
		return m, sourceError(CodeNotMapped, "Map the access fields on step 6 (Access mapping) before running a check.")
	}
	if m.Plans == nil {
		m.Plans = &fulfillment.PlanMapping{NoPlanValue: fulfillment.DefaultNoPlanValue}
	}
	if m.Policy == nil {
		pol := fulfillment.DefaultPolicy()
		m.Policy = &pol
	}
	if (p.AccessSource == "postgres" || p.AccessSource == SourceDemoSQL) && m.Identity == nil {
		return m, sourceError(CodeNotMapped, "Map who a customer is on step 4 (Identity mapping) before running a check.")
	}
	return m, nil
}

// connectors name each stored connection kind: its not-connected code and
// how a person reaches the step that connects it.
var connectors = map[string]struct{ code, what, step string }{
	"stripe":   {CodeStripeNotConnected, "Stripe", "step 2"},
	"clerk":    {CodeClerkNotConnected, "Clerk", "step 3 (Database)"},
	"postgres": {CodeDatabaseNotConnected, "your Postgres / Supabase database", "step 3 (Database)"},
}

// secret opens the stored credential of one connection kind.
func (o *Opener) secret(ctx context.Context, projectID, kind string) (db.Connection, string, error) {
	c := connectors[kind]
	conn, err := o.DB.GetConnection(ctx, projectID, kind)
	if errors.Is(err, db.ErrNotFound) {
		return conn, "", sourceError(c.code, "Connect %s on %s first.", c.what, c.step)
	}
	if err != nil {
		return conn, "", err
	}
	secret, err := o.Vault.Open(conn.SealedSecret)
	if err != nil {
		return conn, "", sourceError(CodeCredentialUnreadable, "The stored %s credentials cannot be decrypted (the credentials key changed?). Reconnect on %s.", c.what, c.step)
	}
	return conn, secret, nil
}

func (o *Opener) openBilling(ctx context.Context, p db.Project) (Billing, error) {
	c, err := o.StripeClient(ctx, p)
	var ke *billing.KeyError
	if errors.As(err, &ke) {
		return nil, sourceError(CodeStripeInvalidKey, "%s", ke.Message)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SubjectKey names a subject across checks: "user:user_2ab",
// "organization:org_9", "row:public.users#42".
func SubjectKey(s fulfillment.Subject) string {
	if s.Kind == fulfillment.SubjectRow {
		return string(s.Kind) + ":" + s.Table + "#" + s.ID
	}
	return string(s.Kind) + ":" + s.ID
}

// ParseSubjectKey splits a key into kind, table (rows) and id.
func ParseSubjectKey(key string) (kind fulfillment.SubjectKind, table, id string, ok bool) {
	k, rest, found := strings.Cut(key, ":")
	if !found || rest == "" {
		return "", "", "", false
	}
	kind = fulfillment.SubjectKind(k)
	switch kind {
	case fulfillment.SubjectUser, fulfillment.SubjectOrganization:
		return kind, "", rest, true
	case fulfillment.SubjectRow:
		table, id, found = strings.Cut(rest, "#")
		return kind, table, id, found && table != ""
	}
	return "", "", "", false
}

// --- Postgres (and the demo's SQL app) ---

// rowReader reads app rows by a table mapping: *postgres.Source, and
// *sqlite.Source for the demo's SQL app, which keeps its state in SQLite
// under the same rules.
type rowReader interface {
	ReadSubjects(ctx context.Context, m postgres.Mapping, fn func(fulfillment.Subject) error) error
	ReadSubject(ctx context.Context, m postgres.Mapping, customerID string) ([]fulfillment.Subject, error)
	ReadSubjectByKey(ctx context.Context, m postgres.Mapping, table, key string) (fulfillment.Subject, bool, error)
	Close()
}

type postgresAccess struct {
	src rowReader
	m   postgres.Mapping
}

func (o *Opener) openPostgres(ctx context.Context, p db.Project, m mapping.Mapping) (Access, error) {
	src, err := o.PostgresSource(ctx, p)
	if err != nil {
		return nil, asSourceError(err, CodePostgresUnavailable)
	}
	return &postgresAccess{src: src, m: m.Postgres()}, nil
}

func (a *postgresAccess) ReadAll(ctx context.Context, fn func(fulfillment.Subject) error) error {
	return a.src.ReadSubjects(ctx, a.m, fn)
}

func (a *postgresAccess) tables() []postgres.TableMapping {
	out := []postgres.TableMapping{a.m.Users}
	if a.m.Orgs != nil {
		out = append(out, *a.m.Orgs)
	}
	return out
}

func (a *postgresAccess) ReadLinked(ctx context.Context, qs []LinkQuery) (map[string][]fulfillment.Subject, error) {
	out := map[string][]fulfillment.Subject{}
	for _, q := range qs {
		for _, tm := range a.tables() {
			v, ok := identityValue(q, tm.BillingField)
			if !ok {
				continue
			}
			subjects, err := a.src.ReadSubject(ctx, postgres.Mapping{Users: tm}, v)
			if err != nil {
				return nil, err
			}
			out[q.Customer.ID] = append(out[q.Customer.ID], subjects...)
		}
	}
	return out, nil
}

func (a *postgresAccess) ReadSubject(ctx context.Context, key string) (fulfillment.Subject, bool, error) {
	kind, table, id, ok := ParseSubjectKey(key)
	if !ok || kind != fulfillment.SubjectRow {
		return fulfillment.Subject{}, false, nil
	}
	return a.src.ReadSubjectByKey(ctx, a.m, table, id)
}

func (a *postgresAccess) IdentityField(s fulfillment.Subject) string {
	for _, tm := range a.tables() {
		if tm.QualifiedName() == s.Table {
			if tm.BillingField == "" {
				return mapping.BillingCustomerID
			}
			return tm.BillingField
		}
	}
	return mapping.BillingCustomerID
}

func (a *postgresAccess) Requests() int64 { return 0 }
func (a *postgresAccess) Close()          { a.src.Close() }

// identityValue is what an app row holding billing field f stores for the
// customer: its id, email, or a metadata value. A customer Stripe does not
// know is looked up by the value its incident was filed under.
func identityValue(q LinkQuery, f string) (string, bool) {
	c := q.Customer
	switch {
	case f == "" || f == mapping.BillingCustomerID || !q.Known:
		return c.ID, c.ID != ""
	case f == mapping.BillingEmail:
		return c.Email, c.Email != ""
	case strings.HasPrefix(f, postgres.BillingMetadataPrefix):
		v := c.Metadata[strings.TrimPrefix(f, postgres.BillingMetadataPrefix)]
		return v, v != ""
	}
	return "", false
}

// asSourceError keeps a *SourceError as it is and files any other failure
// to open a connector under code, its message (written for a person by the
// connector) kept.
func asSourceError(err error, code string) error {
	var se *SourceError
	if errors.As(err, &se) {
		return err
	}
	return &SourceError{Code: code, Message: err.Error(), Err: err}
}
