package fulfillment

import "time"

// Subscription statuses as Stripe spells them.
const (
	StatusActive            = "active"
	StatusTrialing          = "trialing"
	StatusPastDue           = "past_due"
	StatusUnpaid            = "unpaid"
	StatusPaused            = "paused"
	StatusIncomplete        = "incomplete"
	StatusIncompleteExpired = "incomplete_expired"
	StatusCanceled          = "canceled"
)

// Customer is the part of a Stripe customer a promise needs.
type Customer struct {
	ID      string    `json:"id"`
	Email   string    `json:"email,omitempty"`
	Name    string    `json:"name,omitempty"`
	Deleted bool      `json:"deleted,omitempty"`
	Created time.Time `json:"created"`
}

// Subscription is the part of a Stripe subscription a promise needs.
// Zero times mean "unknown".
type Subscription struct {
	ID                string     `json:"id"`
	CustomerID        string     `json:"customer_id"`
	Status            string     `json:"status"`
	Created           time.Time  `json:"created"`
	CurrentPeriodEnd  time.Time  `json:"current_period_end"`
	TrialEnd          *time.Time `json:"trial_end,omitempty"`
	CancelAtPeriodEnd bool       `json:"cancel_at_period_end,omitempty"`
	PauseCollection   bool       `json:"pause_collection,omitempty"` // pause_collection is set
	Items             []Item     `json:"items"`
	LatestInvoice     *Invoice   `json:"latest_invoice,omitempty"`
}

// Item is one subscription item's price.
type Item struct {
	PriceID   string `json:"price_id"`
	LookupKey string `json:"lookup_key,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	Quantity  int64  `json:"quantity,omitempty"` // 0 reads as 1
	// Price is what the price charges (nil when not read): at stake.
	Price *PriceTerms `json:"price,omitempty"`
}

// Invoice is a subscription's latest invoice; for past_due it is the unpaid one.
type Invoice struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// Charge is the invoice's charge; read only while Policy.ReadsCharges.
	Charge *Charge `json:"charge,omitempty"`
}

// Billing is everything Stripe says about one customer.
type Billing struct {
	Customer      Customer       `json:"customer"`
	Subscriptions []Subscription `json:"subscriptions"`
	// Entitlements are the lookup keys of the customer's active entitlements;
	// nil when Entitlements are not enabled for the project (features are then
	// neither promised nor compared), non-nil (maybe empty) when enabled.
	Entitlements []string `json:"entitlements,omitempty"`
}
