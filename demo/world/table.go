package world

import (
	"time"

	"parityrail/fulfillment"
)

// Short names for the table.
const (
	active            = fulfillment.StatusActive
	trialing          = fulfillment.StatusTrialing
	pastDue           = fulfillment.StatusPastDue
	unpaid            = fulfillment.StatusUnpaid
	paused            = fulfillment.StatusPaused
	incomplete        = fulfillment.StatusIncomplete
	incompleteExpired = fulfillment.StatusIncompleteExpired
	canceled          = fulfillment.StatusCanceled

	pwa        = fulfillment.PaidWithoutAccess
	awp        = fulfillment.AccessWithoutPayment
	wrongPlan  = fulfillment.WrongPlan
	trialOff   = fulfillment.TrialMismatch
	entsOff    = fulfillment.EntitlementMismatch
	unmatched  = fulfillment.UnmatchedCustomer
	ambiguous  = fulfillment.AmbiguousMatch
	enterprise = PriceEnterpriseMonthly
	pro        = PriceProMonthly
	proYearly  = PriceProYearly
	starter    = PriceStarterMonthly
	teamLegacy = PriceTeamLegacy
	support    = PricePrioritySupport
	hour       = time.Hour
)

type kinds = []fulfillment.Kind

// enterpriseFeatures are the Enterprise product's features in Stripe, as
// active entitlements; enterpriseFlags is the same as app metadata.
func enterpriseFeatures() []string { return []string{"audit_log", "sso"} }

func enterpriseFlags() map[string]bool { return map[string]bool{"audit_log": true, "sso": true} }

// table is the demo world, one row per Stripe customer (or app subject
// without one). Policy: the product defaults (past_due grace 14 days, incomplete
// pending 23 h, trial tolerance 24 h). Stripe Entitlements are compared, so
// every customer owed access is owed exactly its entitlements (usually none).
func table() []row {
	return []row{
		// --- The promise holds: no incident. ---
		{Key: "ada", Name: "Ada Okafor", Email: "ada.okafor@example.com",
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "active Pro, and the app grants Pro"},
		{Key: "grace", Name: "Grace Whitfield", Email: "grace.whitfield@example.org",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "enterprise", Premium: true, Entitlements: enterpriseFlags()}},
			Why: "active Enterprise with the audit_log and sso entitlements; the app grants exactly those"},
		{Key: "alan", Name: "Alan Mbeki", Email: "alan.mbeki@example.net",
			Subs: []sub{{Status: active, Price: starter}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "active Starter, and the app grants Starter"},
		{Key: "katherine", Name: "Katherine Ito", Email: "katherine.ito@example.com",
			Subs: []sub{{Status: active, Price: proYearly}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "active Pro yearly, mapped by its lookup key pro_yearly"},
		{Key: "linus", Name: "Linus Berg", Email: "linus.berg@example.org",
			Subs: []sub{{Status: trialing, Price: pro, TrialEnd: 9 * day}},
			App:  []app{{Plan: "pro", Premium: true, TrialEnd: 9 * day}},
			Why:  "trialing Pro; the app's trial end is Stripe's"},
		{Key: "margaret", Name: "Margaret Osei", Email: "margaret.osei@example.com",
			Subs: []sub{{Status: trialing, Price: starter, TrialEnd: 3 * day}},
			App:  []app{{Plan: "starter", Premium: true, TrialEnd: 3*day + 3*hour, TrialEpochMillis: true}},
			Why:  "trialing Starter; the app's trial end (epoch milliseconds) is 3 h off, within the 24 h tolerance"},
		{Key: "dennis", Name: "Dennis Novak", Email: "dennis.novak@example.net",
			Subs: []sub{{Status: pastDue, Price: pro, InvoiceAge: 4 * day, PeriodEnd: 26 * day}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "past_due for 4 days, within the 14-day grace; the app keeps Pro"},
		{Key: "barbara", Name: "Barbara Lindqvist", Email: "barbara.lindqvist@example.com",
			Subs: []sub{{Status: active, Price: pro, CancelAtPeriodEnd: true, PeriodEnd: 12 * day}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "cancels at period end, 12 days from now; the app keeps Pro until then"},
		{Key: "ken", Name: "Ken Adeyemi", Email: "ken.adeyemi@example.org",
			Subs: []sub{{Status: active, Price: starter, PauseCollection: true}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "active with collection paused, which the policy grants; the app keeps Starter"},
		{Key: "frances", Name: "Frances Duarte", Email: "frances.duarte@example.com",
			Subs: []sub{{Status: paused, Price: pro, TrialEnd: -3 * day}},
			App:  []app{{Plan: "free", Premium: false}},
			Why:  "paused after a trial ended without a payment method; the app shows Free"},
		{Key: "john", Name: "John Kowalski", Email: "john.kowalski@example.net",
			Subs: []sub{{Status: canceled, Price: pro}},
			App:  []app{{Plan: "free", Premium: false}},
			Why:  "canceled months ago; the app shows Free"},
		{Key: "edgar", Name: "Edgar Haas", Email: "edgar.haas@example.com",
			Subs: []sub{{Status: unpaid, Price: starter, Age: 60 * day, InvoiceAge: 25 * day, PeriodEnd: 5 * day}},
			App:  []app{{Plan: "free", Premium: false}},
			Why:  "unpaid after every retry failed; the app revoked access"},
		{Key: "hedda", Name: "Hedda Moreau", Email: "hedda.moreau@example.org",
			Subs: []sub{{Status: incompleteExpired, Price: pro, Age: 5 * day}},
			App:  []app{{}},
			Why:  "the first payment never succeeded (incomplete_expired); the app never granted anything"},
		{Key: "tim", Name: "Tim Akerman", Email: "tim.akerman@example.com",
			Subs: []sub{{Status: active, Price: starter}, {Status: active, Price: pro, Age: 30 * day}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "two active subscriptions, Starter and Pro: the highest tier (Pro) wins, and the app grants Pro"},
		{Key: "radia", Name: "Radia Castillo", Email: "radia.castillo@example.net",
			Subs: []sub{{Status: active, Price: teamLegacy}},
			App:  []app{{Plan: "team", Premium: true}},
			Why:  "active on the unmapped legacy Team price: the plan cannot be judged, premium holds"},
		{Key: "donald", Name: "Donald Reyes", Email: "donald.reyes@example.com",
			Subs: []sub{{Status: canceled, Price: starter}},
			Why:  "canceled and deleted their app account: owed nothing, so no app user is needed"},
		{Key: "guido", Name: "Guido Marchetti", Email: "guido.marchetti@example.org",
			Subs: []sub{{Status: incomplete, Price: pro, Age: 1 * hour}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "incomplete for 1 hour: pending (the first payment may still succeed), so no incident although the app already grants Pro"},
		{Key: "anita", Name: "Anita Sharma", Email: "anita.sharma@example.com",
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "pro", Premium: "yes"}},
			Why:  `active Pro; the app's premium flag is the string "yes", which counts as on`},
		{Key: "initech", Org: true, Name: "Initech", Email: "billing@initech.example",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "enterprise"}},
			Why: "B2B: the Initech organization is on Enterprise, as billed"},
		{Key: "globex", Org: true, Name: "Globex Corporation", Email: "accounts@globex.example",
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "pro"}},
			Why:  "B2B: the Globex organization is on Pro, as billed"},
		{Key: "priscilla", Name: "Priscilla Grant", Email: "priscilla.grant@example.net",
			Subs: []sub{{Status: canceled, Price: pro, TrialEnd: -10 * day, PeriodEnd: -10 * day}},
			App:  []app{{Plan: "free", Premium: false, TrialEnd: -10 * day}},
			Why:  "the trial ended 10 days ago without converting; the app's trial end is in the past, so it grants nothing"},
		{Key: "sophie", Name: "Sophie Laurent", Email: "sophie.laurent@example.com",
			Subs: []sub{{Status: active, Price: starter, Age: 40 * day}, {Status: canceled, Price: pro, Age: 200 * day, PeriodEnd: -40 * day}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "downgraded from Pro (canceled) to Starter (active); the app grants Starter"},
		{Key: "bjorn", Name: "Bjørn Eriksen", Email: "bjorn.eriksen@example.org",
			Subs: []sub{{Status: active, Price: pro, AddOns: []string{support}}}, Entitlements: []string{"priority_support"},
			App: []app{{Plan: "pro", Premium: true, Entitlements: map[string]bool{"priority_support": true}}},
			Why: "Pro with the Priority support add-on (an unmapped price beside a mapped one) and its entitlement; the app matches"},
		{Key: "jenna", Name: "Jenna Park", Email: "jenna.park@example.com",
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "active Pro, and the app grants Pro"},
		{Key: "francesca", Name: "Francesca Romano", Email: "francesca.romano@example.net",
			Subs: []sub{{Status: active, Price: starter}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "active Starter, and the app grants Starter"},
		{Key: "ruth", Name: "Ruth Abernathy", Email: "ruth.abernathy@example.com",
			Subs: []sub{{Status: active, Price: starter, Age: 10 * day}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "new Starter customer, and the app grants Starter"},
		{Key: "kathleen", Name: "Kathleen Byrne", Email: "kathleen.byrne@example.org",
			Subs: []sub{{Status: active, Price: pro, Age: 300 * day}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "long-time Pro customer, and the app grants Pro"},
		{Key: "mary", Name: "Mary Nakamura", Email: "mary.nakamura@example.com",
			Subs: []sub{{Status: trialing, Price: pro, TrialEnd: 12 * day}},
			App:  []app{{Plan: "pro", Premium: true, TrialEnd: 12 * day}},
			Why:  "trialing Pro; the app's trial end is Stripe's"},
		{Key: "evan", Name: "Evan Brooks", Email: "evan.brooks@example.net",
			Subs: []sub{{Status: pastDue, Price: starter, InvoiceAge: 2 * day, PeriodEnd: 28 * day}},
			App:  []app{{Plan: "starter", Premium: true}},
			Why:  "past_due for 2 days, within the grace; the app keeps Starter"},
		{Key: "soylent", Org: true, Name: "Soylent Foods", Email: "finance@soylent.example",
			Subs: []sub{{Status: active, Price: starter}},
			App:  []app{{Plan: "starter"}},
			Why:  "B2B: the Soylent organization is on Starter, as billed"},
		{Key: "annie", Name: "Annie Ezeh", Email: "annie.ezeh@example.com",
			Subs: []sub{{Status: canceled, Price: starter, Age: 90 * day, PeriodEnd: -30 * day}},
			App:  []app{{Plan: "free", Premium: false}},
			Why:  "canceled a month ago; the app shows Free"},
		{Key: "joan", Name: "Joan Whitaker", Email: "joan.whitaker@example.org",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "enterprise", Premium: true, Entitlements: enterpriseFlags()}},
			Why: "active Enterprise; the app grants Enterprise and its features"},
		{Key: "ivan", Name: "Ivan Petrov", Email: "ivan.petrov@example.com",
			Subs: []sub{{Status: active, Price: proYearly, Age: 200 * day}},
			App:  []app{{Plan: "pro", Premium: true}},
			Why:  "active Pro yearly, and the app grants Pro"},

		// --- paid_without_access: Stripe promises access the app doesn't give. ---
		{Key: "priya", Name: "Priya Raman", Email: "priya.raman@example.com",
			Subs: []sub{{Status: active, Price: pro, Age: 2 * day}},
			App:  []app{{Plan: "free", Premium: false, Want: kinds{pwa}}},
			Why:  "paid for Pro two days ago but the upgrade webhook never reached the app"},
		{Key: "marcus", Name: "Marcus Chen", Email: "marcus.chen@example.net",
			Subs: []sub{{Status: pastDue, Price: pro, InvoiceAge: 6 * day, PeriodEnd: 24 * day}},
			App:  []app{{Plan: "free", Premium: false, Want: kinds{pwa}}},
			Why:  "past_due for 6 days, within the 14-day grace, but the app revoked Pro on the first failed payment"},
		{Key: "sofia", Name: "Sofia Alvarez", Email: "sofia.alvarez@example.com",
			Subs: []sub{{Status: active, Price: pro, PauseCollection: true}},
			App:  []app{{Plan: "free", Premium: false, Want: kinds{pwa}}},
			Why:  "collection paused (the policy still grants it) but the app treated the pause as a cancellation"},
		{Key: "liam", Name: "Liam O'Brien", Email: "liam.obrien@example.org",
			Subs: []sub{{Status: active, Price: starter, CancelAtPeriodEnd: true, PeriodEnd: 5 * day}},
			App:  []app{{Plan: "free", Premium: false, Want: kinds{pwa}}},
			Why:  "set to cancel at period end (5 days away) but the app downgraded immediately"},
		{Key: "noah", Name: "Noah Williams", Email: "noah.williams@example.com",
			Subs: []sub{{Status: active, Price: starter}},
			App:  []app{{Plan: "starter", Premium: false, Want: kinds{pwa}}},
			Why:  "plan is right but the premium flag the app checks is off"},
		{Key: "emma", Name: "Emma Schmidt", Email: "emma.schmidt@example.net",
			Subs: []sub{{Status: trialing, Price: pro, TrialEnd: 6 * day}},
			App:  []app{{Plan: "free", Premium: false, Want: kinds{pwa, trialOff}}},
			Why:  "started a Pro trial but the app never recorded it: no access and no trial end"},
		{Key: "umbrella", Org: true, Name: "Umbrella Corporation", Email: "ap@umbrella.example",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "free", Want: kinds{pwa}}},
			Why: "B2B: pays for Enterprise but its organization is still on Free"},

		// --- access_without_payment: the app grants what nobody pays for. ---
		{Key: "oliver", Name: "Oliver Smith", Email: "oliver.smith@example.com",
			Subs: []sub{{Status: canceled, Price: pro, Age: 75 * day, PeriodEnd: -15 * day}},
			App:  []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why:  "canceled 15 days ago; the cancellation webhook was lost and the app still grants Pro"},
		{Key: "ava", Name: "Ava Johnson", Email: "ava.johnson@example.org",
			Subs: []sub{{Status: pastDue, Price: pro, InvoiceAge: 20 * day, PeriodEnd: 10 * day}},
			App:  []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why:  "past_due for 20 days: the 14-day grace ended 6 days ago, the app still grants Pro"},
		{Key: "lucas", Name: "Lucas Brown", Email: "lucas.brown@example.com",
			Subs: []sub{{Status: unpaid, Price: starter, Age: 70 * day, InvoiceAge: 30 * day, PeriodEnd: 1 * day}},
			App:  []app{{Plan: "starter", Premium: true, Want: kinds{awp}}},
			Why:  "unpaid (retries exhausted), which the policy does not grant; the app still grants Starter"},
		{Key: "mia", Name: "Mia Davis", Email: "mia.davis@example.net",
			Subs: []sub{{Status: paused, Price: pro, TrialEnd: -5 * day}},
			App:  []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why:  "paused after the trial ended without a payment method; the app still grants Pro"},
		{Key: "ethan", Name: "Ethan Wilson", Email: "ethan.wilson@example.com",
			Subs: []sub{{Status: incomplete, Price: pro, Age: 3 * day}},
			App:  []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why:  "incomplete for 3 days (past the 23 h pending window); the app granted Pro at signup"},
		{Key: "isabella", Name: "Isabella Moore", Email: "isabella.moore@example.org",
			Subs: []sub{{Status: incompleteExpired, Price: starter, Age: 2 * day}},
			App:  []app{{Plan: "starter", Premium: true, Want: kinds{awp}}},
			Why:  "the first payment failed and the subscription expired; the app granted Starter anyway"},
		{Key: "mason", Name: "Mason Taylor", Email: "mason.taylor@example.com",
			Subs: []sub{{Status: canceled, Price: pro, TrialEnd: 5 * day, PeriodEnd: -2 * day}},
			App:  []app{{Plan: "free", Premium: false, TrialEnd: 5 * day, Want: kinds{awp}}},
			Why:  "canceled the trial 2 days ago; the app's trial end is still in the future, so it still grants the trial"},
		{Key: "zoe", Name: "Zoe Clark", Email: "zoe.clark@example.net", Deleted: true,
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why:  "the customer was deleted in Stripe (subscriptions canceled); the app still grants Pro"},
		{Key: "jack", Name: "Jack Turner", Email: "jack.turner@example.com", UnknownCustomer: true,
			App: []app{{Plan: "pro", Premium: true, Want: kinds{awp}}},
			Why: "linked to a Stripe customer id this account never had (copied from another account), yet the app grants Pro"},
		{Key: "chloe", Name: "Chloe Martin", Email: "chloe.martin@example.org", NoCustomer: true,
			App: []app{{Plan: "starter", Premium: true, Want: kinds{awp}}},
			Why: "no Stripe customer at all: Starter was granted by hand by support"},
		{Key: "hooli", Org: true, Name: "Hooli", Email: "billing@hooli.example",
			Subs: []sub{{Status: canceled, Price: pro, Age: 100 * day, PeriodEnd: -8 * day}},
			App:  []app{{Plan: "pro", Want: kinds{awp}}},
			Why:  "B2B: canceled 8 days ago, but the Hooli organization is still on Pro"},

		// --- wrong_plan: both grant, the plan differs. ---
		{Key: "daniel", Name: "Daniel Lee", Email: "daniel.lee@example.com",
			Subs: []sub{{Status: active, Price: enterprise, Age: 20 * day}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "pro", Premium: true, Entitlements: enterpriseFlags(), Want: kinds{wrongPlan}}},
			Why: "upgraded to Enterprise; the app switched on the features but left the plan at Pro"},
		{Key: "amelia", Name: "Amelia Walker", Email: "amelia.walker@example.net",
			Subs: []sub{{Status: active, Price: starter, Age: 200 * day}, {Status: active, Price: pro, Age: 15 * day}},
			App:  []app{{Plan: "starter", Premium: true, Want: kinds{wrongPlan}}},
			Why:  "added a Pro subscription beside Starter: the highest tier (Pro) is owed, the app shows Starter"},
		{Key: "henry", Name: "Henry Hall", Email: "henry.hall@example.com",
			Subs: []sub{{Status: active, Price: pro}},
			App:  []app{{Plan: "Pro", Premium: true, Want: kinds{wrongPlan}}},
			Why:  `the app stores "Pro" where its plans are lowercase ("pro"); plan values compare exactly`},
		{Key: "stark", Org: true, Name: "Stark Industries", Email: "procurement@stark.example",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "pro", Want: kinds{wrongPlan}}},
			Why: "B2B: pays for Enterprise, the organization is on Pro"},

		// --- trial_mismatch: the app's trial end is not Stripe's. ---
		{Key: "charlotte", Name: "Charlotte Young", Email: "charlotte.young@example.org",
			Subs: []sub{{Status: trialing, Price: pro, TrialEnd: 7 * day}},
			App:  []app{{Plan: "pro", Premium: true, TrialEnd: 4 * day, Want: kinds{trialOff}}},
			Why:  "the trial was extended in Stripe by 3 days; the app still ends it on the old date"},
		{Key: "james", Name: "James King", Email: "james.king@example.com",
			Subs: []sub{{Status: trialing, Price: starter, TrialEnd: 10 * day}},
			App:  []app{{Plan: "starter", Premium: true, Want: kinds{trialOff}}},
			Why:  "trialing Starter; the app grants Starter but has no trial end, so it won't end the trial"},

		// --- entitlement_mismatch: features differ from Stripe's entitlements. ---
		{Key: "evelyn", Name: "Evelyn Wright", Email: "evelyn.wright@example.net",
			Subs: []sub{{Status: active, Price: enterprise}}, Entitlements: enterpriseFeatures(),
			App: []app{{Plan: "enterprise", Premium: true, Entitlements: map[string]bool{"sso": true}, Want: kinds{entsOff}}},
			Why: "Enterprise includes audit_log and sso; the app only switched on sso"},
		{Key: "benjamin", Name: "Benjamin Scott", Email: "benjamin.scott@example.com",
			Subs: []sub{{Status: canceled, Price: enterprise, Age: 150 * day, PeriodEnd: -30 * day}, {Status: active, Price: pro, Age: 30 * day}},
			App:  []app{{Plan: "pro", Premium: true, Entitlements: map[string]bool{"sso": true, "audit_log": false}, Want: kinds{entsOff}}},
			Why:  "downgraded from Enterprise to Pro; the app kept sso on, which Pro does not include"},

		// --- unmatched_customer: owed access, nothing in the app is linked. ---
		{Key: "nora", Name: "Nora Bergström", Email: "nora.bergstrom@example.org",
			Subs: []sub{{Status: active, Price: pro, Age: 6 * day}},
			Want: kinds{unmatched},
			Why:  "bought Pro from the pricing page but no app user is linked to the customer"},
		{Key: "wayne", Org: true, Name: "Wayne Enterprises", Email: "accounts.payable@wayne.example",
			Subs: []sub{{Status: active, Price: enterprise, Age: 45 * day}}, Entitlements: enterpriseFeatures(),
			Want: kinds{unmatched},
			Why:  "B2B: pays for Enterprise; the organization exists in the app but was never linked (see wayne-workspace)"},

		// --- ambiguous_match: one customer, several app subjects. ---
		{Key: "samuel", Name: "Samuel Green", Email: "samuel.green@example.com",
			Subs: []sub{{Status: active, Price: pro}},
			App: []app{
				{Plan: "pro", Premium: true},
				{Name: "Sam Green", Email: "sam.green@example.net", Plan: "pro", Premium: true},
			},
			Want: kinds{ambiguous},
			Why:  "two app users (a second signup with another email) carry the same Stripe customer; both grant Pro"},
		{Key: "lily", Name: "Lily Adams", Email: "lily.adams@example.org",
			Subs: []sub{{Status: active, Price: starter}},
			App: []app{
				{Plan: "starter", Premium: true},
				{Email: "lily.adams+work@example.org", Plan: "free", Premium: false, Want: kinds{pwa}},
			},
			Want: kinds{ambiguous},
			Why:  "two app users carry the same Stripe customer; the work account has no access, so it is paid_without_access too"},

		// --- App subjects with no Stripe customer that grant nothing: fine. ---
		{Key: "yusuf", Name: "Yusuf Demir", Email: "yusuf.demir@example.com", NoCustomer: true,
			App: []app{{Plan: "free", Premium: false}},
			Why: "free user, never paid"},
		{Key: "aiko", Name: "Aiko Tanaka", Email: "aiko.tanaka@example.net", NoCustomer: true,
			App: []app{{}},
			Why: "signed up yesterday, no metadata yet"},
		{Key: "lars", Name: "Lars Nilsson", Email: "lars.nilsson@example.org", NoCustomer: true,
			App: []app{{Plan: "free"}},
			Why: "free user, never paid"},
		{Key: "fatima", Name: "Fatima Khan", Email: "fatima.khan@example.com", NoCustomer: true,
			App: []app{{Plan: "free", Premium: "no", TrialEnd: -40 * day}},
			Why: "free user whose trial ended long ago"},
		{Key: "peter", Name: "Peter Gibbons", Email: "peter.gibbons@initech.example", NoCustomer: true,
			App: []app{{Plan: "free", Premium: false}},
			Why: "member of the Initech organization; access comes from the organization, not the user"},
		{Key: "wayne-workspace", Org: true, Name: "Wayne Enterprises", NoCustomer: true,
			App: []app{{Plan: "free"}},
			Why: "the Wayne Enterprises organization, never linked to its Stripe customer (see wayne)"},
	}
}
