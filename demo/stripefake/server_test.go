package stripefake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"
)

const fullKey = "sk_test_fakefullaccess1234"

func newWorld(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	f := New()
	f.AddKey(fullKey)
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return f, ts
}

// get performs a GET with the key and decodes the JSON body.
func get(t *testing.T, ts *httptest.Server, key, pathAndQuery string) (int, http.Header, map[string]any) {
	t.Helper()
	code, h, b := getRaw(t, ts, key, pathAndQuery)
	var m map[string]any
	if err := json.Unmarshal([]byte(b), &m); err != nil {
		t.Fatalf("%s: body is not JSON: %s", pathAndQuery, b)
	}
	return code, h, m
}

// getRaw performs a GET with the key (none when empty) and returns the body
// as sent.
func getRaw(t *testing.T, ts *httptest.Server, key, pathAndQuery string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+pathAndQuery, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func ids(t *testing.T, list map[string]any) []string {
	t.Helper()
	var out []string
	for _, d := range list["data"].([]any) {
		out = append(out, d.(map[string]any)["id"].(string))
	}
	return out
}

func stripeClient(ts *httptest.Server, key string) *client.API {
	b := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL: stripe.String(ts.URL), MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return client.New(key, &stripe.Backends{API: b, Connect: b, Uploads: b})
}

func TestListPagingNewestFirst(t *testing.T) {
	f, ts := newWorld(t)
	base := time.Unix(1_700_000_000, 0)
	var created []string
	for i := 0; i < 25; i++ {
		created = append(created, f.AddCustomer(CustomerSpec{Email: fmt.Sprintf("c%d@example.com", i), Created: base.Add(time.Duration(i) * time.Second)}))
	}
	newestFirst := make([]string, 25)
	for i, id := range created {
		newestFirst[24-i] = id
	}

	code, _, page1 := get(t, ts, fullKey, "/v1/customers?limit=10")
	if code != 200 || page1["object"] != "list" || page1["url"] != "/v1/customers" || page1["has_more"] != true {
		t.Fatalf("page1: %d %v", code, page1)
	}
	got := ids(t, page1)
	if strings.Join(got, ",") != strings.Join(newestFirst[:10], ",") {
		t.Fatalf("page1 order: %v", got)
	}
	_, _, page3 := get(t, ts, fullKey, "/v1/customers?limit=10&starting_after="+newestFirst[19])
	if got := ids(t, page3); len(got) != 5 || page3["has_more"] != false || got[0] != newestFirst[20] {
		t.Fatalf("page3: %v has_more=%v", got, page3["has_more"])
	}
	_, _, back := get(t, ts, fullKey, "/v1/customers?limit=3&ending_before="+newestFirst[10])
	if got := ids(t, back); strings.Join(got, ",") != strings.Join(newestFirst[7:10], ",") || back["has_more"] != true {
		t.Fatalf("ending_before: %v has_more=%v", got, back["has_more"])
	}
	if _, _, def := get(t, ts, fullKey, "/v1/customers"); len(ids(t, def)) != 10 {
		t.Fatal("default limit should be 10")
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x"} {
		if code, _, body := get(t, ts, fullKey, "/v1/customers?"+q); code != 400 || errField(body, "param") != "limit" {
			t.Errorf("%s: %d %v", q, code, body)
		}
	}
	if code, _, body := get(t, ts, fullKey, "/v1/customers?starting_after=cus_nope"); code != 404 || errField(body, "code") != "resource_missing" {
		t.Errorf("unknown cursor: %d %v", code, body)
	}

	// stripe-go's own iterator walks every page with starting_after.
	it := stripeClient(ts, fullKey).Customers.List(&stripe.CustomerListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(7)}})
	n := 0
	for it.Next() {
		if it.Customer().ID != newestFirst[n] || it.Customer().Object != "customer" {
			t.Fatalf("iter %d: %+v", n, it.Customer())
		}
		n++
	}
	if it.Err() != nil || n != 25 {
		t.Fatalf("iterated %d, err %v", n, it.Err())
	}
}

func errField(body map[string]any, k string) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e[k].(string)
	return s
}

func seedSubscriptions(f *Server) (cus string, subs map[stripe.SubscriptionStatus]string) {
	f.AddPrice(PriceSpec{ID: "price_pro", LookupKey: "pro_monthly", ProductID: "prod_pro", ProductName: "Pro", UnitAmount: 4900})
	cus = f.AddCustomer(CustomerSpec{Email: "a@example.com"})
	subs = map[stripe.SubscriptionStatus]string{}
	for _, st := range []stripe.SubscriptionStatus{"active", "canceled", "past_due", "trialing"} {
		spec := SubscriptionSpec{CustomerID: cus, Status: st, PriceIDs: []string{"price_pro"}}
		if st == "trialing" {
			spec.TrialEnd = time.Now().Add(72 * time.Hour)
		}
		subs[st] = f.MustAddSubscription(spec)
	}
	return cus, subs
}

func TestSubscriptionsStatusAndExpand(t *testing.T) {
	f, ts := newWorld(t)
	cus, subs := seedSubscriptions(f)

	_, _, def := get(t, ts, fullKey, "/v1/subscriptions")
	if len(ids(t, def)) != 3 {
		t.Fatalf("default list should leave canceled out: %v", ids(t, def))
	}
	_, _, all := get(t, ts, fullKey, "/v1/subscriptions?status=all&customer="+cus)
	if len(ids(t, all)) != 4 {
		t.Fatalf("status=all: %v", ids(t, all))
	}
	_, _, pd := get(t, ts, fullKey, "/v1/subscriptions?status=past_due")
	if got := ids(t, pd); len(got) != 1 || got[0] != subs["past_due"] {
		t.Fatalf("status=past_due: %v", got)
	}
	if code, _, _ := get(t, ts, fullKey, "/v1/subscriptions?status=bogus"); code != 400 {
		t.Fatalf("bad status: %d", code)
	}

	// Unexpanded references are id strings; items carry the price inline
	// with its product as an id.
	sub := all["data"].([]any)[0].(map[string]any)
	if _, ok := sub["latest_invoice"].(string); !ok {
		t.Fatalf("latest_invoice should be an id: %v", sub["latest_invoice"])
	}
	if sub["customer"] != cus || sub["object"] != "subscription" {
		t.Fatalf("customer/object: %v %v", sub["customer"], sub["object"])
	}
	items := sub["items"].(map[string]any)
	if items["object"] != "list" {
		t.Fatalf("items envelope: %v", items)
	}
	if _, ok := items["total_count"]; ok {
		t.Fatal("items should not carry stripe-go's zero total_count")
	}
	price := items["data"].([]any)[0].(map[string]any)["price"].(map[string]any)
	if price["product"] != "prod_pro" || price["lookup_key"] != "pro_monthly" || price["object"] != "price" {
		t.Fatalf("inline price: %v", price)
	}
	if _, ok := sub["deleted"]; ok {
		t.Fatal("live objects must not carry deleted")
	}
	if sub["trial_end"] != nil && sub["status"] != "trialing" {
		t.Fatalf("unset trial_end should be null: %v", sub["trial_end"])
	}

	// expand[]=data.latest_invoice (and data.customer) return objects.
	_, _, exp := get(t, ts, fullKey, "/v1/subscriptions?status=all&expand[]=data.latest_invoice&expand[]=data.customer")
	s0 := exp["data"].([]any)[0].(map[string]any)
	inv, ok := s0["latest_invoice"].(map[string]any)
	if !ok || inv["object"] != "invoice" || inv["subscription"] != s0["id"] || inv["customer"] != cus {
		t.Fatalf("expanded invoice: %v", s0["latest_invoice"])
	}
	if c, ok := s0["customer"].(map[string]any); !ok || c["email"] != "a@example.com" {
		t.Fatalf("expanded customer: %v", s0["customer"])
	}

	// Stripe caps expansion at four levels.
	code, _, body := get(t, ts, fullKey, "/v1/subscriptions?expand[]=data.items.data.price.product")
	if code != 400 || !strings.Contains(errField(body, "message"), "4 levels") {
		t.Fatalf("deep expand: %d %v", code, body)
	}

	// stripe-go decodes both forms (its form encoding sends expand[0]=…).
	api := stripeClient(ts, fullKey)
	p := &stripe.SubscriptionListParams{Status: stripe.String("all")}
	p.AddExpand("data.latest_invoice")
	it := api.Subscriptions.List(p)
	n := 0
	for it.Next() {
		s := it.Subscription()
		n++
		if s.LatestInvoice == nil || s.LatestInvoice.Status == "" || s.LatestInvoice.Created == 0 {
			t.Fatalf("stripe-go expanded invoice: %+v", s.LatestInvoice)
		}
		if s.Customer.ID != cus || s.Items.Data[0].Price.Product.ID != "prod_pro" {
			t.Fatalf("stripe-go references: %+v", s)
		}
	}
	if it.Err() != nil || n != 4 {
		t.Fatalf("stripe-go list: %d %v", n, it.Err())
	}
	got, err := api.Subscriptions.Get(subs["trialing"], nil)
	if err != nil || got.Status != "trialing" || got.TrialEnd == 0 || got.LatestInvoice.ID == "" {
		t.Fatalf("retrieve: %+v %v", got, err)
	}
}

func TestDeletedCustomer(t *testing.T) {
	f, ts := newWorld(t)
	cus, subs := seedSubscriptions(f)
	if err := f.DeleteCustomer(cus); err != nil {
		t.Fatal(err)
	}
	_, _, tomb := get(t, ts, fullKey, "/v1/customers/"+cus)
	if len(tomb) != 3 || tomb["deleted"] != true || tomb["object"] != "customer" || tomb["id"] != cus {
		t.Fatalf("tombstone: %v", tomb)
	}
	if _, _, list := get(t, ts, fullKey, "/v1/customers"); len(ids(t, list)) != 0 {
		t.Fatal("deleted customers are not listed")
	}
	_, _, s := get(t, ts, fullKey, "/v1/subscriptions/"+subs["active"]+"?expand[]=customer")
	if s["status"] != "canceled" || s["customer"].(map[string]any)["deleted"] != true {
		t.Fatalf("subscription of deleted customer: %v %v", s["status"], s["customer"])
	}
	c, err := stripeClient(ts, fullKey).Customers.Get(cus, nil)
	if err != nil || !c.Deleted {
		t.Fatalf("stripe-go sees deleted: %+v %v", c, err)
	}
}

func TestAuthAndPermissions(t *testing.T) {
	f, ts := newWorld(t)
	f.AddRestrictedKey("rk_test_onlycustomers9876", PermCustomers)
	cus, _ := seedSubscriptions(f)

	code, _, body := get(t, ts, "", "/v1/customers")
	if code != 401 || !strings.Contains(errField(body, "message"), "You did not provide an API key") {
		t.Fatalf("no key: %d %v", code, body)
	}
	code, _, body = get(t, ts, "sk_test_wrongwrongwrong5555", "/v1/customers")
	if code != 401 || errField(body, "type") != "invalid_request_error" || errField(body, "message") != "Invalid API Key provided: sk_test_***************5555" {
		t.Fatalf("bad key: %d %v", code, body)
	}
	// Basic auth with the key as user name is accepted like Stripe does.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/customers", nil)
	req.SetBasicAuth(fullKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("basic auth: %v %v", resp, err)
	}
	resp.Body.Close()

	if code, _, _ := get(t, ts, "rk_test_onlycustomers9876", "/v1/customers"); code != 200 {
		t.Fatalf("permitted read: %d", code)
	}
	code, _, body = get(t, ts, "rk_test_onlycustomers9876", "/v1/subscriptions?limit=1")
	msg := errField(body, "message")
	if code != 403 || errField(body, "type") != "invalid_request_error" ||
		!strings.HasSuffix(msg, "Having the 'rak_subscription_read' permission would allow this request to continue.") ||
		!strings.Contains(msg, "'rk_test_") || strings.Contains(msg, "onlycustomers") {
		t.Fatalf("403: %d %q", code, msg)
	}
	code, _, body = get(t, ts, "rk_test_onlycustomers9876", "/v1/prices?limit=1")
	if code != 403 || !strings.Contains(errField(body, "message"), "'rak_plan_read'") {
		t.Fatalf("prices use the legacy plan slug: %v", body)
	}
	// An expansion needs the expanded object's permission too.
	f.AddRestrictedKey("rk_test_subsonly00001111", PermSubscriptions)
	code, _, body = get(t, ts, "rk_test_subsonly00001111", "/v1/subscriptions?expand[]=data.latest_invoice")
	if code != 403 || !strings.Contains(errField(body, "message"), "'rak_invoice_read'") {
		t.Fatalf("expansion permission: %d %v", code, body)
	}
	code, _, body = get(t, ts, "rk_test_onlycustomers9876", "/v1/entitlements/active_entitlements?customer="+cus)
	if code != 403 || !strings.Contains(errField(body, "message"), "'rak_entitlement_read'") {
		t.Fatalf("entitlements permission: %d %v", code, body)
	}

	// stripe-go surfaces it as a *stripe.Error with the status.
	it := stripeClient(ts, "rk_test_onlycustomers9876").Invoices.List(&stripe.InvoiceListParams{})
	it.Next()
	se, ok := it.Err().(*stripe.Error)
	if !ok || se.HTTPStatusCode != 403 || !strings.Contains(se.Msg, "rak_invoice_read") {
		t.Fatalf("stripe-go error: %#v", it.Err())
	}
}

func TestScriptedFailuresAndWrites(t *testing.T) {
	f, ts := newWorld(t)
	f.RateLimitNext(1)
	code, h, body := get(t, ts, fullKey, "/v1/customers")
	if code != 429 || h.Get("Stripe-Should-Retry") != "true" || errField(body, "code") != "rate_limit" {
		t.Fatalf("429: %d %v %v", code, h, body)
	}
	f.FailNext(1, Failure{Status: 500, ShouldRetry: "false", Path: "/v1/invoices"})
	if code, _, _ := get(t, ts, fullKey, "/v1/customers"); code != 200 {
		t.Fatal("path-scoped failure hit another path")
	}
	code, h, body = get(t, ts, fullKey, "/v1/invoices")
	if code != 500 || h.Get("Stripe-Should-Retry") != "false" || errField(body, "type") != "api_error" {
		t.Fatalf("500: %d %v", code, body)
	}

	if len(f.Violations()) != 0 {
		t.Fatal("no writes yet")
	}
	resp, err := http.Post(ts.URL+"/v1/customers", "application/x-www-form-urlencoded", strings.NewReader("email=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || len(f.Violations()) != 1 || f.Violations()[0].Method != "POST" {
		t.Fatalf("write: %d %v", resp.StatusCode, f.Violations())
	}
	if f.Count("/v1/customers") != 3 || f.Count("/v1/invoices") != 1 || f.RequestCount() != 4 {
		t.Fatalf("counts: %v", f.CountsByPath())
	}
	for _, r := range f.Requests() {
		if strings.Contains(r.KeyLabel, "fakefullaccess") {
			t.Fatal("request log must not hold the key")
		}
	}
	if code, _, body := get(t, ts, fullKey, "/v1/payouts"); code != 404 || !strings.Contains(errField(body, "message"), "Unrecognized request URL") {
		t.Fatalf("unknown path: %d %v", code, body)
	}
}

func TestEntitlementsAndOtherLists(t *testing.T) {
	f, ts := newWorld(t)
	cus, subs := seedSubscriptions(f)
	f.SetEntitlements(cus, "seats", "sso", "audit_log")
	f.AddCheckoutSession(CheckoutSessionSpec{CustomerID: cus, SubscriptionID: subs["active"]})

	code, _, body := get(t, ts, fullKey, "/v1/entitlements/active_entitlements")
	if code != 400 || errField(body, "code") != "parameter_missing" || errField(body, "param") != "customer" {
		t.Fatalf("missing customer: %d %v", code, body)
	}
	if code, _, body := get(t, ts, fullKey, "/v1/entitlements/active_entitlements?customer=cus_nope"); code != 404 || errField(body, "code") != "resource_missing" {
		t.Fatalf("unknown customer: %d %v", code, body)
	}
	api := stripeClient(ts, fullKey)
	it := api.EntitlementsActiveEntitlements.List(&stripe.EntitlementsActiveEntitlementListParams{
		Customer: stripe.String(cus), ListParams: stripe.ListParams{Limit: stripe.Int64(2)}})
	var keys []string
	for it.Next() {
		keys = append(keys, it.EntitlementsActiveEntitlement().LookupKey)
	}
	if it.Err() != nil || strings.Join(keys, ",") != "seats,sso,audit_log" {
		t.Fatalf("entitlements: %v %v", keys, it.Err())
	}

	_, _, cs := get(t, ts, fullKey, "/v1/checkout/sessions?customer="+cus)
	if s := cs["data"].([]any)[0].(map[string]any); s["object"] != "checkout.session" || s["subscription"] != subs["active"] {
		t.Fatalf("checkout session: %v", s)
	}
	_, _, inv := get(t, ts, fullKey, "/v1/invoices?subscription="+subs["past_due"])
	if in := inv["data"].([]any); len(in) != 1 || in[0].(map[string]any)["status"] != "open" {
		t.Fatalf("past_due invoice: %v", in)
	}
	_, _, pr := get(t, ts, fullKey, "/v1/prices?expand[]=data.product&lookup_keys[]=pro_monthly")
	if p := pr["data"].([]any); len(p) != 1 || p[0].(map[string]any)["product"].(map[string]any)["name"] != "Pro" {
		t.Fatalf("prices with product: %v", pr)
	}
}

func TestEventSignedLikeStripe(t *testing.T) {
	f, _ := newWorld(t)
	_, subs := seedSubscriptions(f)
	payload, err := f.Event("customer.subscription.updated", "subscription", subs["past_due"])
	if err != nil {
		t.Fatal(err)
	}
	header := SignPayload(payload, "whsec_test", time.Now())
	if !strings.HasPrefix(header, "t=") || !strings.Contains(header, ",v1=") {
		t.Fatalf("header: %s", header)
	}
	ev, err := webhook.ConstructEvent(payload, header, "whsec_test")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != "customer.subscription.updated" || ev.Data.Object["id"] != subs["past_due"] || ev.Data.Object["status"] != "past_due" {
		t.Fatalf("event: %+v", ev)
	}
	if _, err := webhook.ConstructEvent(payload, header, "whsec_other"); err == nil {
		t.Fatal("wrong secret must fail")
	}

	var got []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		if _, err := webhook.ConstructEvent(got, r.Header.Get("Stripe-Signature"), "whsec_x"); err != nil {
			w.WriteHeader(400)
		}
	}))
	defer hook.Close()
	sum, _ := f.Event("entitlements.active_entitlement_summary.updated", "entitlements.active_entitlement_summary", "cus_x")
	status, err := SendWebhook(t.Context(), nil, hook.URL, "whsec_x", sum)
	if err != nil || status != 200 || !strings.Contains(string(got), `"customer": "cus_x"`) {
		t.Fatalf("send: %d %v %s", status, err, got)
	}
}

func TestGenerate(t *testing.T) {
	f, ts := newWorld(t)
	f.Generate(GenerateSpec{Customers: 30, Subscriptions: 40, Seed: 1})
	_, _, c := get(t, ts, fullKey, "/v1/customers?limit=100")
	_, _, s := get(t, ts, fullKey, "/v1/subscriptions?limit=100&status=all")
	if len(ids(t, c)) != 30 || len(ids(t, s)) != 40 {
		t.Fatalf("generated %d customers, %d subscriptions", len(ids(t, c)), len(ids(t, s)))
	}
}
