//go:build !release

// Command fakeapis serves the Stripe and Clerk fakes over HTTP for browser
// tests and local development, with a small JSON control API to shape their
// data. It is a development tool: the product binary never includes it.
//
//	fakeapis -addr 127.0.0.1:0
//
// prints one JSON line with the API bases to hand to ParityRail
// (PARITYRAIL_STRIPE_API_BASE, PARITYRAIL_CLERK_API_BASE), then serves:
//
//	/stripe/v1/…                 the Stripe fake
//	/clerk/v1/…                  the Clerk fake
//	POST /control/clerk/users          {id?, email, first_name, last_name, public_metadata, private_metadata, unsafe_metadata}
//	PUT  /control/clerk/users/{id}/metadata {container, metadata}
//	POST /control/clerk/organizations  {id?, name, slug, public_metadata, private_metadata}
//	POST /control/clerk/rate-limit     {count, retry_after}
//	GET  /control/clerk/requests       the Clerk request log and any non-GET violations
//	POST /control/stripe/keys          {key, permissions?}
//	POST /control/stripe/prices        {id, lookup_key, product_name, unit_amount, currency, interval}
//	POST /control/stripe/customers     {id?, email, name}
//	POST /control/stripe/subscriptions {customer_id, status, price_ids, trial_end?, cancel_at_period_end?}
//	GET  /control/stripe/requests      the Stripe request log and violations
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"

	"parityrail/demo/clerkfake"
	"parityrail/demo/stripefake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	json.NewEncoder(os.Stdout).Encode(map[string]string{
		"stripe_api_base": base + "/stripe",
		"clerk_api_base":  base + "/clerk/v1",
		"control":         base + "/control",
	})
	log.Fatal(http.Serve(ln, newHandler()))
}

func newHandler() http.Handler {
	ck := clerkfake.New(clerkfake.Options{})
	st := stripefake.New()
	mux := http.NewServeMux()
	mux.Handle("/clerk/", http.StripPrefix("/clerk", ck))
	mux.Handle("/stripe/", http.StripPrefix("/stripe", st))

	mux.HandleFunc("POST /control/clerk/users", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID, Email, FirstName, LastName                  string
			PublicMetadata, PrivateMetadata, UnsafeMetadata map[string]any
		}
		if decode(w, r, &in) {
			id := ck.AddUser(clerkfake.UserSpec{ID: in.ID, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
				PublicMetadata: in.PublicMetadata, PrivateMetadata: in.PrivateMetadata, UnsafeMetadata: in.UnsafeMetadata})
			reply(w, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("PUT /control/clerk/users/{id}/metadata", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Container string
			Metadata  map[string]any
		}
		if decode(w, r, &in) {
			if err := ck.SetUserMetadata(r.PathValue("id"), in.Container, in.Metadata); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			reply(w, map[string]bool{"ok": true})
		}
	})
	mux.HandleFunc("POST /control/clerk/organizations", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID, Name, Slug                  string
			PublicMetadata, PrivateMetadata map[string]any
		}
		if decode(w, r, &in) {
			id := ck.AddOrganization(clerkfake.OrgSpec{ID: in.ID, Name: in.Name, Slug: in.Slug, PublicMetadata: in.PublicMetadata, PrivateMetadata: in.PrivateMetadata})
			reply(w, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("POST /control/clerk/rate-limit", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Count, RetryAfter int }
		if decode(w, r, &in) {
			ck.RateLimitNext(in.Count, in.RetryAfter)
			reply(w, map[string]bool{"ok": true})
		}
	})
	mux.HandleFunc("GET /control/clerk/requests", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"requests": ck.Requests(), "violations": ck.Violations()})
	})

	mux.HandleFunc("POST /control/stripe/keys", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Key         string
			Permissions []string
		}
		if decode(w, r, &in) {
			if in.Permissions == nil {
				st.AddKey(in.Key)
			} else {
				st.AddRestrictedKey(in.Key, in.Permissions...)
			}
			reply(w, map[string]bool{"ok": true})
		}
	})
	mux.HandleFunc("POST /control/stripe/prices", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID, LookupKey, ProductName, Currency, Interval string
			UnitAmount                                     int64
		}
		if decode(w, r, &in) {
			id := st.AddPrice(stripefake.PriceSpec{ID: in.ID, LookupKey: in.LookupKey, ProductName: in.ProductName,
				UnitAmount: in.UnitAmount, Currency: in.Currency, Interval: in.Interval})
			reply(w, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("POST /control/stripe/customers", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ ID, Email, Name string }
		if decode(w, r, &in) {
			reply(w, map[string]string{"id": st.AddCustomer(stripefake.CustomerSpec{ID: in.ID, Email: in.Email, Name: in.Name})})
		}
	})
	mux.HandleFunc("POST /control/stripe/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CustomerID, Status string
			PriceIDs           []string
			TrialEnd           *time.Time
			CancelAtPeriodEnd  bool
		}
		if decode(w, r, &in) {
			spec := stripefake.SubscriptionSpec{CustomerID: in.CustomerID, Status: stripe.SubscriptionStatus(in.Status),
				PriceIDs: in.PriceIDs, CancelAtPeriodEnd: in.CancelAtPeriodEnd}
			if in.TrialEnd != nil {
				spec.TrialEnd = *in.TrialEnd
			}
			id, err := st.AddSubscription(spec)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			reply(w, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("GET /control/stripe/requests", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"requests": st.Requests(), "violations": st.Violations()})
	})
	return mux
}

// decode reads a JSON body whose keys are snake_case versions of the
// struct's field names.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return false
	}
	camel := map[string]json.RawMessage{}
	for k, val := range raw {
		camel[strings.ReplaceAll(k, "_", "")] = val
	}
	b, _ := json.Marshal(camel)
	if err := json.Unmarshal(b, v); err != nil { // encoding/json matches names case-insensitively
		http.Error(w, fmt.Sprintf("bad JSON: %v", err), http.StatusBadRequest)
		return false
	}
	return true
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
