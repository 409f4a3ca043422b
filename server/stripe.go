package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/billing"
	"parityrail/db"
)

type stripeConnectRequest struct {
	APIKey        string `json:"api_key"`
	WebhookSecret string `json:"webhook_secret"`
}

// connectedView answers a "Test & connect": the connection as shown, plus
// warnings about things that work but deserve a look (optional reads the key
// lacks, or a test key beside a live access source).
type connectedView struct {
	connectionView
	Warnings []string `json:"warnings"`
}

func (s *Server) answerConnected(c echo.Context, projectID, kind string, warnings []string) error {
	ctx := c.Request().Context()
	saved, err := s.db.GetConnection(ctx, projectID, kind)
	if err != nil {
		return err
	}
	if w := s.modeWarning(ctx, projectID); w != "" {
		warnings = append(warnings, w)
	}
	if warnings == nil {
		warnings = []string{}
	}
	return c.JSON(http.StatusOK, connectedView{connectionView: viewConnection(saved), Warnings: warnings})
}

// keepStoredExtra carries the optional second secret of the stored
// connection of conn's kind (Stripe's webhook secret, Postgres's repair role)
// over to conn: reconnecting with that field left empty keeps it.
func (s *Server) keepStoredExtra(ctx context.Context, conn *db.Connection) error {
	old, err := s.db.GetConnection(ctx, conn.ProjectID, conn.Kind)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	conn.SealedExtra, conn.ExtraLabel = old.SealedExtra, old.ExtraLabel
	return nil
}

// connectStripe is step 2's "Test & connect": every read the product needs
// is probed with a limit=1 list before anything is stored.
func (s *Server) connectStripe(c echo.Context, req stripeConnectRequest) error {
	key, mode, err := billing.ValidateKey(req.APIKey)
	if err != nil {
		return badRequest("stripe_invalid_key", "%s", err.Error())
	}
	secret, err := billing.ValidateWebhookSecret(req.WebhookSecret)
	if err != nil {
		return badRequest("stripe_invalid_webhook_secret", "%s", err.Error())
	}
	p := currentProject(c)
	ctx, cancel := context.WithTimeout(c.Request().Context(), time.Minute)
	defer cancel()

	client, err := s.sources.CandidateStripe(p, key)
	if err != nil {
		return sourceAnswer(err)
	}
	var warnings []string
	_, err = client.TestConnection(ctx, billing.ProbeOptions{CheckoutSessions: true, Entitlements: true})
	var perr *billing.PermissionError
	if errors.As(err, &perr) {
		// Name only the required reads in the error; optional ones are a
		// warning once the required ones work.
		if required := perr.Required(); required != nil {
			return sourceAnswer(required)
		}
		warnings = append(warnings, optionalReadWarnings(perr.OptionalResources())...)
	} else if err != nil {
		return sourceAnswer(err)
	}

	conn := db.Connection{ProjectID: p.ID, Kind: "stripe", Label: billing.MaskedLabel(key), Livemode: mode == billing.ModeLive,
		ConnectedBy: currentUser(c).ID}
	if conn.SealedSecret, err = s.vault.Seal(key); err != nil {
		return err
	}
	if secret != "" {
		if conn.SealedExtra, err = s.vault.Seal(secret); err != nil {
			return err
		}
		conn.ExtraLabel = maskSecret(secret)
	} else if err := s.keepStoredExtra(ctx, &conn); err != nil {
		return err
	}
	if err := s.db.ConnectBilling(ctx, conn); err != nil {
		return err
	}
	return s.answerConnected(c, p.ID, "stripe", warnings)
}

// optionalReads says what each optional read adds, for the warning a
// key without it gets on "Test & connect".
var optionalReads = map[string]string{
	billing.ResourceProducts: "Without it, plan mapping lists prices without their product names.",
	billing.ResourcePrices:   "Without it, money at stake shows no monthly amount for tiered prices.",
}

// optionalReadWarnings is one warning per optional read the key lacks,
// naming the permission and what it adds.
func optionalReadWarnings(resources []string) []string {
	var out, rest []string
	for _, r := range resources {
		if why, ok := optionalReads[r]; ok {
			out = append(out, "This key can't read "+r+" (optional). "+why+" Set "+r+" to Read on the restricted key in Stripe Dashboard → Developers → API keys to add it.")
		} else {
			rest = append(rest, r)
		}
	}
	if len(rest) > 0 {
		out = append(out, "This key can't read "+strings.Join(rest, " or ")+
			". That is optional: set it to Read on the restricted key if you want ParityRail to use it.")
	}
	return out
}

// productNamesNote is "Load from Stripe"'s note for a key without
// Products read.
const productNamesNote = "Product names need 'Products: Read' on the restricted key."

type priceView struct {
	PriceID             string `json:"price_id"`
	LookupKey           string `json:"lookup_key"`
	Nickname            string `json:"nickname"`
	ProductID           string `json:"product_id"`
	ProductName         string `json:"product_name"`
	UnitAmount          int64  `json:"unit_amount"`
	BillingScheme       string `json:"billing_scheme"`
	Currency            string `json:"currency"`
	Interval            string `json:"interval"`
	Subscriptions       int    `json:"subscriptions"`
	ActiveSubscriptions int    `json:"active_subscriptions"`
}

// priceListView is "Load from Stripe"'s answer: the prices, and notes on
// what a missing optional read left out.
type priceListView struct {
	Items []priceView `json:"items"`
	Notes []string    `json:"notes"`
}

// stripePrices lists the prices found on the account's subscriptions, for
// step 5's "Load from Stripe". It needs only Subscriptions read; without
// Products read the rows come without product names, and a note says which
// permission adds them.
func (s *Server) stripePrices(c echo.Context) error {
	client, err := projectSource(c, s.sources.StripeClient)
	if err != nil {
		return err
	}
	found, err := client.FindPrices(c.Request().Context())
	if err != nil {
		return sourceAnswer(err)
	}
	out := priceListView{Items: make([]priceView, len(found.Prices)), Notes: []string{}}
	for i, p := range found.Prices {
		out.Items[i] = priceView(p)
	}
	for _, m := range found.Missing {
		if m.Resource == billing.ResourceProducts {
			out.Notes = append(out.Notes, productNamesNote)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// modeWarning says when a live access source is checked against a test-mode
// Stripe key (or the reverse): the check would compare different worlds.
func (s *Server) modeWarning(ctx context.Context, projectID string) string {
	conns, err := s.db.ListConnections(ctx, projectID)
	if err != nil {
		return ""
	}
	var stripe, access *db.Connection
	for i := range conns {
		switch conns[i].Kind {
		case "stripe":
			stripe = &conns[i]
		case "clerk":
			access = &conns[i]
		}
	}
	if stripe == nil || access == nil || stripe.Livemode == access.Livemode {
		return ""
	}
	if access.Livemode {
		return "Clerk is connected with a live key but Stripe with a test key: a check would compare production users with test-mode billing."
	}
	return "Stripe is connected with a live key but Clerk with a test key: a check would compare live billing with development users."
}

// maskSecret shows a secret as its prefix, "…" and last four characters.
func maskSecret(s string) string {
	prefix := s
	if i := strings.Index(s, "_"); i >= 0 {
		prefix = s[:i+1]
	} else {
		prefix = ""
	}
	if len(s)-len(prefix) <= 4 {
		return prefix + "…"
	}
	return prefix + "…" + s[len(s)-4:]
}
