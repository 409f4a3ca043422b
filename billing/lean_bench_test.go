package billing

import (
	"net/http/httptest"
	"testing"

	"parityrail/demo/stripefake"
)

// BenchmarkDecodePage decodes one 100-item page as the fake serves it to a
// full read: customers, and subscriptions with their latest invoice
// expanded.
// Run: go test ./billing -run '^$' -bench DecodePage
func BenchmarkDecodePage(b *testing.B) {
	f := stripefake.New()
	f.AddKey(testKey)
	f.Generate(stripefake.GenerateSpec{Customers: 200, Subscriptions: 240, Seed: 42})
	srv := httptest.NewServer(f)
	defer srv.Close()
	fetch := func(path string) []byte { return fetchBody(b, srv.URL+path) }
	customers := fetch("/v1/customers?limit=100")
	subs := fetch("/v1/subscriptions?status=all&limit=100&expand[0]=data.latest_invoice")
	run := func(name string, page []byte, decode func([]byte) (int, error)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := decode(page)
				if err != nil || n != 100 {
					b.Fatalf("%d items, %v", n, err)
				}
			}
		})
	}
	run("customers", customers, func(p []byte) (int, error) {
		var l wireList[wireCustomer]
		err := decodeCustomerPageLean(p, &l)
		return len(l.Data), err
	})
	run("subscriptions", subs, func(p []byte) (int, error) {
		var l wireList[wireSubscription]
		err := decodeSubscriptionPageLean(p, &l)
		return len(l.Data), err
	})
}
