package billing

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"parityrail/demo/stripefake"
)

// TestLeanDecodingMatchesEncodingJSON decodes the fake's real pages (every
// status, multi-item subscriptions, pause_collection, escaped strings,
// metadata, a deleted customer) with the lean parser and with
// encoding/json, and requires the same result.
func TestLeanDecodingMatchesEncodingJSON(t *testing.T) {
	w := newWorld(t)
	w.fake.Generate(stripefake.GenerateSpec{Customers: 120, Subscriptions: 150, Seed: 3})
	w.fake.AddPrice(stripefake.PriceSpec{ID: "price_q", LookupKey: "q\"uoted\\key", ProductName: "Q"})
	odd := w.fake.AddCustomer(stripefake.CustomerSpec{Email: "o'neil+x@example.com", Name: "Zoë \"Q\" \u2028 <b>",
		Metadata: map[string]string{"a\"b": "c\\d", "empty": "", "end": `x\`, "end2": `y\\`}})
	w.fake.MustAddSubscription(stripefake.SubscriptionSpec{CustomerID: odd, Status: "active", PriceIDs: []string{"price_q", "price_gen_pro_monthly"},
		PauseCollection: "void", CancelAtPeriodEnd: true})
	gone := w.fake.AddCustomer(stripefake.CustomerSpec{Email: "gone@example.com"})
	if err := w.fake.DeleteCustomer(gone); err != nil {
		t.Fatal(err)
	}
	fetch := func(path string) []byte { return fetchBody(t, w.srv.URL+path) }
	subsPage := fetch("/v1/subscriptions?status=all&limit=100&expand[0]=data.latest_invoice")
	var fast, std wireList[wireSubscription]
	if err := decodeSubscriptionPageLean(subsPage, &fast); err != nil {
		t.Fatalf("lean: %v", err)
	}
	if err := json.Unmarshal(subsPage, &std); err != nil {
		t.Fatal(err)
	}
	if len(fast.Data) != 100 || !fast.HasMore || !reflect.DeepEqual(fast, std) {
		t.Fatalf("subscriptions differ:\nlean %+v\nstd  %+v", fast.Data[0], std.Data[0])
	}
	var cl, cs wireList[wireCustomer]
	custPage := fetch("/v1/customers?limit=100")
	if err := decodeCustomerPageLean(custPage, &cl); err != nil {
		t.Fatalf("lean: %v", err)
	}
	if err := json.Unmarshal(custPage, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cl.Data) != 100 || !reflect.DeepEqual(cl, cs) {
		for i := range cl.Data {
			if !reflect.DeepEqual(cl.Data[i], cs.Data[i]) {
				t.Fatalf("customers differ:\nlean %#v\nstd  %#v", cl.Data[i], cs.Data[i])
			}
		}
		t.Fatalf("customer pages differ: %v %v %d %d", cl.HasMore, cs.HasMore, len(cl.Data), len(cs.Data))
	}
	if cl.Data[0].ID != odd || cl.Data[0].Name != "Zoë \"Q\" \u2028 <b>" || cl.Data[0].Metadata["a\"b"] != "c\\d" {
		t.Fatalf("escapes: %+v", cl.Data[0])
	}
	var tomb wireCustomer
	if err := decodeCustomerLean(fetch("/v1/customers/"+gone), &tomb); err != nil || !tomb.Deleted || tomb.ID != gone {
		t.Fatalf("tombstone: %+v %v", tomb, err)
	}
	// A shape the lean parser doesn't expect falls back to encoding/json.
	var fb wireList[wireSubscription]
	odd2 := strings.Replace(string(subsPage), `"has_more": true`, `"has_more": true, "extra": [1, {"x": "]"}]`, 1)
	if err := decodeSubscriptionPage([]byte(odd2), &fb); err != nil || !reflect.DeepEqual(fb, std) {
		t.Fatalf("extra field: %v", err)
	}
	if err := decodeSubscriptionPage([]byte(`{"data": [{"id": 5}]}`), &fb); err == nil {
		t.Fatal("a malformed page decoded without error")
	}
}

// The full read's own requests keep the connector's error mapping, and a
// deleted customer costs exactly one extra request.
func TestReadAllErrorsAndDeletedCustomerCost(t *testing.T) {
	w := newWorld(t)
	w.fake.Generate(stripefake.GenerateSpec{Customers: 150, Subscriptions: 150, Seed: 5})
	w.fake.AddRestrictedKey("rk_test_customersonly", stripefake.PermCustomers)
	_, err := w.client(t, "rk_test_customersonly").ReadAll(t.Context())
	var perr *PermissionError
	if !errors.As(err, &perr) || len(perr.Missing) != 1 || perr.Missing[0].Permission != stripefake.PermSubscriptions {
		t.Fatalf("restricted key: %v", err)
	}
	w.fake.FailNext(1, stripefake.Failure{Status: 400, Path: "/v1/subscriptions"})
	if _, err := w.client(t, testKey).ReadAll(t.Context()); err == nil || !strings.Contains(err.Error(), "read subscriptions") {
		t.Fatalf("failing subscriptions: %v", err)
	}

	all, err := w.client(t, testKey).ReadAll(t.Context())
	if err != nil || len(all) != 150 {
		t.Fatalf("%d customers, %v", len(all), err)
	}
	gone := all[10].Customer.ID
	if err := w.fake.DeleteCustomer(gone); err != nil {
		t.Fatal(err)
	}
	w.fake.ResetLog()
	c := w.client(t, testKey)
	all, err = c.ReadAll(t.Context())
	if err != nil || len(all) != 150 {
		t.Fatalf("%d customers, %v", len(all), err)
	}
	last := all[len(all)-1]
	if last.Customer.ID != gone || !last.Customer.Deleted || len(last.Subscriptions) == 0 {
		t.Fatalf("deleted customer: %+v", last)
	}
	// 2 customer pages (149 left) + 2 subscription pages + 1 tombstone.
	if c.Requests() != 5 || w.fake.Count("/v1/customers/"+gone) != 1 {
		t.Fatalf("requests: %v", w.fake.CountsByPath())
	}
}

// fetchBody is the body of a 200 answer to GET url with the test key.
func fetchBody(tb testing.TB, url string) []byte {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}
