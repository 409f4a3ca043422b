// Package world is ParityRail's demo world: "Acme Analytics", a fictional
// SaaS whose Stripe account (≈60 customers, every subscription status) and
// app state disagree in exactly the ways that produce every access incident
// kind, next to many customers whose promise holds.
//
// The world is one table (table.go): a row per Stripe customer — or per app
// subject with no customer — with its subscriptions, the app state that goes
// with it, the incidents a check must find and why. Build turns the table
// into a Stripe fake, a Clerk fake and a SQL script describing the same app
// state, plus the mappings that connect them; the Manifest derived from the
// same table is what tests (Go and browser) compare a check's incidents with.
//
// Everything is relative to the time given to Build, so trials, billing
// periods and past-due grace windows mean the same whenever it is built.
package world

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
	"parityrail/fulfillment"
	"parityrail/mapping"
)

// Demo credentials. The Stripe key has every read permission; the Clerk key
// is the only one the demo Clerk accepts. Neither works anywhere else.
const (
	StripeKey      = "rk_test_51AcmeAnalyticsParityRailDemo0000000000"
	ClerkSecretKey = "sk_test_AcmeAnalyticsParityRailDemo000000000000"
)

// Acme Analytics' prices. Enterprise, Pro (monthly and yearly) and Starter
// are mapped to app plans; the legacy Team price and the Priority support
// add-on are deliberately not (they show up as unmapped prices).
const (
	PriceEnterpriseMonthly = "price_1QAcmeEnterpriseMonthly"
	PriceProMonthly        = "price_1QAcmeProMonthly000000"
	PriceProYearly         = "price_1QAcmeProYearly0000000"
	PriceStarterMonthly    = "price_1QAcmeStarterMonthly00"
	PriceTeamLegacy        = "price_1QAcmeTeamLegacy000000"
	PricePrioritySupport   = "price_1QAcmePrioritySupport0"
)

// Prices are the account's prices, with products and lookup keys.
func Prices() []stripefake.PriceSpec {
	return []stripefake.PriceSpec{
		{ID: PriceEnterpriseMonthly, LookupKey: "enterprise_monthly", Nickname: "Enterprise monthly", ProductID: "prod_AcmeEnterprise01", ProductName: "Acme Analytics Enterprise", UnitAmount: 29900},
		{ID: PriceProMonthly, LookupKey: "pro_monthly", Nickname: "Pro monthly", ProductID: "prod_AcmePro00000001", ProductName: "Acme Analytics Pro", UnitAmount: 4900},
		{ID: PriceProYearly, LookupKey: "pro_yearly", Nickname: "Pro yearly", ProductID: "prod_AcmePro00000001", ProductName: "Acme Analytics Pro", UnitAmount: 49000, Interval: "year"},
		{ID: PriceStarterMonthly, LookupKey: "starter_monthly", Nickname: "Starter monthly", ProductID: "prod_AcmeStarter0001", ProductName: "Acme Analytics Starter", UnitAmount: 1900},
		{ID: PriceTeamLegacy, LookupKey: "team_legacy_monthly", Nickname: "Team (legacy) monthly", ProductID: "prod_AcmeTeamLegacy1", ProductName: "Acme Analytics Team (legacy)", UnitAmount: 9900},
		{ID: PricePrioritySupport, LookupKey: "priority_support_monthly", Nickname: "Priority support add-on", ProductID: "prod_AcmeSupport0001", ProductName: "Priority support", UnitAmount: 2900},
	}
}

// Plans is the plan mapping: highest tier first. Pro yearly is mapped by
// its lookup key, the others by price id.
func Plans() fulfillment.PlanMapping {
	return fulfillment.PlanMapping{
		NoPlanValue: "free",
		Rows: []fulfillment.PlanRow{
			{PriceID: PriceEnterpriseMonthly, LookupKey: "enterprise_monthly", AppValue: "enterprise"},
			{PriceID: PriceProMonthly, LookupKey: "pro_monthly", AppValue: "pro"},
			{LookupKey: "pro_yearly", AppValue: "pro"},
			{PriceID: PriceStarterMonthly, LookupKey: "starter_monthly", AppValue: "starter"},
		},
	}
}

// World is the demo world built for one moment.
type World struct {
	Now    time.Time
	Stripe *stripefake.Server // accepts StripeKey
	Clerk  *clerkfake.Server  // accepts ClerkSecretKey
	// SQL creates the schema parityrail_demo with the tables profiles and
	// organizations holding the same app state as Clerk, with times written
	// relative to Now (AppSQL is the same script relative to load time).
	SQL string
	// SQLite is the same app state as an SQLite script, for the demo's SQL
	// app (a file attached as SQLSchema), times relative to Now.
	SQLite          string
	ClerkMapping    mapping.Mapping
	PostgresMapping mapping.Mapping
	Manifest        Manifest
}

// SQLSchema is the Postgres schema the SQL flavour creates (and replaces):
// only it, so the script is safe to load into a database that has its own
// profiles table.
const SQLSchema = "parityrail_demo"

// Build builds the world relative to now. It is deterministic: the same now
// gives the same ids, objects and manifest.
func Build(now time.Time) *World {
	now = now.UTC().Truncate(time.Second)
	rows := table()
	w := &World{
		Now:             now,
		Stripe:          stripefake.New(),
		Clerk:           clerkfake.New(clerkfake.Options{SecretKeys: []string{ClerkSecretKey}, Now: runningClock(now)}),
		SQL:             renderSQL(rows, sqlTime{now: now}),
		SQLite:          renderSQLite(rows, now),
		ClerkMapping:    ClerkMapping(),
		PostgresMapping: PostgresMapping(),
		Manifest:        manifestOf(rows),
	}
	w.Stripe.SetClock(func() time.Time { return now })
	w.Stripe.AddKey(StripeKey)
	for _, p := range Prices() {
		w.Stripe.AddPrice(p)
	}
	start := now.Add(-400 * day)
	for i, r := range rows {
		created := start.Add(time.Duration(i) * time.Hour)
		if !r.hasStripeCustomer() {
			continue
		}
		cid := w.Stripe.AddCustomer(stripefake.CustomerSpec{
			ID: r.customerID(), Email: r.Email, Name: r.Name, Created: created,
			Metadata: map[string]string{"acme_account": r.Key},
		})
		for j, s := range r.Subs {
			w.Stripe.MustAddSubscription(s.spec(r, j, cid, now))
		}
		if len(r.Entitlements) > 0 {
			w.Stripe.SetEntitlements(cid, r.Entitlements...)
		}
		if r.Deleted {
			if err := w.Stripe.DeleteCustomer(cid); err != nil {
				panic(err) // the customer was added just above
			}
		}
	}
	// From now on (webhook events, deletions in a demo) the clock runs.
	w.Stripe.SetClock(runningClock(now))

	for i, r := range rows {
		created := start.Add(time.Duration(i)*time.Hour + 30*time.Minute)
		for j, a := range r.App {
			if r.Org {
				w.Clerk.AddOrganization(clerkfake.OrgSpec{
					ID: r.subjectID(j), Name: a.name(r), CreatedAt: created,
					PublicMetadata: a.clerkMetadata(r, now),
				})
				continue
			}
			first, last, _ := strings.Cut(a.name(r), " ")
			w.Clerk.AddUser(clerkfake.UserSpec{
				ID: r.subjectID(j), Email: a.email(r), FirstName: first, LastName: last,
				CreatedAt:      created.Add(time.Duration(j) * time.Minute),
				PublicMetadata: a.clerkMetadata(r, now),
			})
		}
	}
	return w
}

// runningClock starts at now and advances with the wall clock.
func runningClock(now time.Time) func() time.Time {
	started := time.Now()
	return func() time.Time { return now.Add(time.Since(started)) }
}

// ClerkMapping maps the Clerk flavour: users and organizations linked by
// public_metadata.stripe_customer_id, Stripe entitlements compared.
func ClerkMapping() mapping.Mapping {
	plans, policy := Plans(), fulfillment.DefaultPolicy()
	return mapping.Mapping{
		Identity: &mapping.Identity{Automatic: true},
		Plans:    &plans,
		Access: &mapping.Access{
			Users: mapping.Fields{
				StripeCustomerID: "public_metadata.stripe_customer_id",
				Plan:             "public_metadata.plan",
				Premium:          "public_metadata.is_premium",
				TrialEnd:         "public_metadata.trial_ends_at",
				Entitlements:     "public_metadata.entitlements",
			},
			Organizations: &mapping.Fields{
				StripeCustomerID: "public_metadata.stripe_customer_id",
				Plan:             "public_metadata.plan",
			},
			StripeEntitlements: true,
		},
		Policy: &policy,
	}
}

// PostgresMapping maps the SQL flavour: parityrail_demo.profiles and
// parityrail_demo.organizations, linked by their stripe_customer_id column.
func PostgresMapping() mapping.Mapping {
	plans, policy := Plans(), fulfillment.DefaultPolicy()
	return mapping.Mapping{
		Identity: &mapping.Identity{
			BillingField: mapping.BillingCustomerID, Table: SQLSchema + ".profiles", Column: "stripe_customer_id",
			Organizations: &mapping.Identity{
				BillingField: mapping.BillingCustomerID, Table: SQLSchema + ".organizations", Column: "stripe_customer_id",
			},
		},
		Plans: &plans,
		Access: &mapping.Access{
			Users: mapping.Fields{
				Plan: "plan", Premium: "is_premium", TrialEnd: "trial_ends_at", Entitlements: "entitlements",
				Email: "email", Name: "full_name",
			},
			Organizations:      &mapping.Fields{Plan: "plan", Name: "name"},
			StripeEntitlements: true,
		},
		Policy: &policy,
	}
}

const day = 24 * time.Hour

// row is one line of the world table: a Stripe customer (or an app subject
// with no customer), its subscriptions, the app subjects linked to it, and
// the incidents a check must file.
type row struct {
	Key   string // stable handle; every id is derived from it
	Name  string
	Email string
	// Org: a B2B customer; its app subjects are Clerk organizations (rows
	// of the organizations table) instead of users.
	Org bool
	// Customer kinds other than a live Stripe customer.
	NoCustomer      bool // app subjects with no Stripe customer linked
	UnknownCustomer bool // app subjects linked to a customer id Stripe never had
	Deleted         bool // the customer was deleted in Stripe (its subscriptions canceled)

	Subs         []sub
	Entitlements []string // active entitlement lookup keys in Stripe
	App          []app    // app subjects linked to the customer
	// Want are the customer-level incidents (unmatched_customer,
	// ambiguous_match); subject-level ones are on each App.
	Want []fulfillment.Kind
	Why  string
}

// sub is one subscription; durations are relative to now.
type sub struct {
	Status string // fulfillment.Status*
	Price  string
	AddOns []string // more prices on the same subscription
	// Age: created this long ago (default 120 days; trials: 14 days before
	// the trial end).
	Age time.Duration
	// TrialEnd relative to now (negative: ended); 0 means no trial.
	TrialEnd time.Duration
	// PeriodEnd relative to now; 0 lets the fake derive it (trials: the
	// trial end).
	PeriodEnd         time.Duration
	CancelAtPeriodEnd bool
	PauseCollection   bool
	// InvoiceAge: the latest invoice was created this long ago (for
	// past_due, the unpaid invoice the grace counts from); 0: period start.
	InvoiceAge time.Duration
}

// app is one app subject: a Clerk user or organization, and the same row in
// the SQL flavour. Empty or nil values are absent metadata keys (NULL).
type app struct {
	Name, Email string // default: the row's; duplicates use their own
	Plan        string // "" = no plan key (NULL)
	// Premium: nil (absent; false in SQL), a bool, or a string spelling
	// such as "yes" (Clerk only; SQL stores its boolean meaning).
	Premium any
	// TrialEnd relative to now; 0 = none.
	TrialEnd time.Duration
	// TrialEpochMillis writes the Clerk trial end as epoch milliseconds
	// instead of an ISO-8601 string.
	TrialEpochMillis bool
	Entitlements     map[string]bool // nil = absent (NULL)
	// Want are the incidents a check files on this subject.
	Want []fulfillment.Kind
}

func (r row) hasStripeCustomer() bool { return !r.NoCustomer && !r.UnknownCustomer }

// customerID is the Stripe customer id the row's subjects are linked to.
func (r row) customerID() string {
	if r.NoCustomer {
		return ""
	}
	return "cus_" + stableID("customer/"+r.Key, 14)
}

// subjectID is the Clerk id of the row's j-th app subject; the SQL flavour
// uses it as the primary key, so both flavours name subjects alike.
func (r row) subjectID(j int) string {
	prefix := "user_"
	if r.Org {
		prefix = "org_"
	}
	return prefix + stableID(fmt.Sprintf("subject/%s/%d", r.Key, j), 27)
}

func (a app) name(r row) string {
	if a.Name != "" {
		return a.Name
	}
	return r.Name
}

func (a app) email(r row) string {
	if a.Email != "" {
		return a.Email
	}
	return r.Email
}

// premium is the boolean meaning of the premium value (SQL's column).
func (a app) premium() bool {
	switch v := a.Premium.(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "on", "premium", "active":
			return true
		}
	}
	return false
}

// clerkMetadata is the subject's public_metadata.
func (a app) clerkMetadata(r row, now time.Time) map[string]any {
	md := map[string]any{}
	if cid := r.customerID(); cid != "" {
		md["stripe_customer_id"] = cid
	}
	if a.Plan != "" {
		md["plan"] = a.Plan
	}
	if r.Org {
		return md // organizations carry only the customer and the plan
	}
	if a.Premium != nil {
		md["is_premium"] = a.Premium
	}
	if a.TrialEnd != 0 {
		t := now.Add(a.TrialEnd)
		if a.TrialEpochMillis {
			md["trial_ends_at"] = t.UnixMilli()
		} else {
			md["trial_ends_at"] = t.Format(time.RFC3339)
		}
	}
	if a.Entitlements != nil {
		ents := map[string]any{}
		for k, v := range a.Entitlements {
			ents[k] = v
		}
		md["entitlements"] = ents
	}
	return md
}

// spec is the subscription as the Stripe fake builds it.
func (s sub) spec(r row, j int, customerID string, now time.Time) stripefake.SubscriptionSpec {
	age := s.Age
	if age == 0 {
		age = 120 * day
		if s.TrialEnd != 0 {
			age = 14*day - s.TrialEnd
		}
	}
	spec := stripefake.SubscriptionSpec{
		ID:                "sub_1Q" + stableID(fmt.Sprintf("subscription/%s/%d", r.Key, j), 22),
		CustomerID:        customerID,
		Status:            stripe.SubscriptionStatus(s.Status),
		PriceIDs:          append([]string{s.Price}, s.AddOns...),
		Created:           now.Add(-age),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
	}
	if s.TrialEnd != 0 {
		spec.TrialEnd = now.Add(s.TrialEnd)
		if s.Status == fulfillment.StatusTrialing && s.PeriodEnd == 0 {
			spec.CurrentPeriodEnd = spec.TrialEnd
		}
	}
	if s.PeriodEnd != 0 {
		spec.CurrentPeriodEnd = now.Add(s.PeriodEnd)
	}
	if s.PauseCollection {
		spec.PauseCollection = "void"
	}
	if s.InvoiceAge != 0 {
		spec.InvoiceCreated = now.Add(-s.InvoiceAge)
	}
	return spec
}

// stableID derives n base62 characters from seed: ids look like Stripe's
// and Clerk's, and are the same in every build.
func stableID(seed string, n int) string {
	sum := sha256.Sum256([]byte("acme-analytics/" + seed))
	s := new(big.Int).SetBytes(sum[:]).Text(62)
	for len(s) < n {
		s += "0"
	}
	return s[:n]
}
