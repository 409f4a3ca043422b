package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"parityrail/demo/clerkfake"
)

// fakeUsersPage is one GET /v1/users page exactly as the fake serves it.
func fakeUsersPage(t testing.TB, f *clerkfake.Server, query string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/users?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("fake answered %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// sameAsFull checks that the lean decode of page equals clerk-sdk's, and
// that decodeUsers (lean, then the fallback) answers what the full decode
// answers. wantLean says whether the lean parser should take the page
// itself (false: it must fall back).
func sameAsFull(t *testing.T, name string, page []byte, wantLean bool) {
	t.Helper()
	c := &Client{host: "api.clerk.test"}
	full, fullErr := c.decodeUsersJSON(page)
	lean, leanErr := leanUsers(page)
	if wantLean {
		if leanErr != nil {
			t.Fatalf("%s: lean parser fell back on a page it should read: %v", name, leanErr)
		}
		if fullErr != nil {
			t.Fatalf("%s: full decode failed: %v", name, fullErr)
		}
		if !reflect.DeepEqual(lean, full) {
			t.Fatalf("%s: lean decode differs:\n lean %#v\n full %#v", name, lean, full)
		}
	} else if leanErr == nil {
		t.Fatalf("%s: lean parser read a page it should leave to encoding/json: %#v", name, lean)
	}
	got, gotErr := c.decodeUsers(page)
	if (gotErr == nil) != (fullErr == nil) || !reflect.DeepEqual(got, full) {
		t.Fatalf("%s: decodeUsers = %#v, %v; the full decode = %#v, %v", name, got, gotErr, full, fullErr)
	}
}

func TestLeanUsersMatchesFakePages(t *testing.T) {
	f := clerkfake.New(clerkfake.Options{SecretKeys: []string{testKey}})
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.AddUser(clerkfake.UserSpec{Email: "ünï@example.test", FirstName: "Zoë", LastName: "Ångström 🙂",
		CreatedAt: base, PublicMetadata: map[string]any{
			"stripe_customer_id": "cus_1", "plan": "pro", "premium": true, "seats": 3, "ratio": 0.25,
			"big": json.Number("123456789012345678901"), "trial_ends_at": json.Number("1751373000123"),
			"quote\"d": "back\\slash\n\ttab \u2028 \u00e9", "none": nil, "empty": map[string]any{}, "list": []any{},
			"billing": map[string]any{"plan": "team", "entitlements": map[string]any{"export": true, "sso": nil}},
			"mixed":   []any{1, "two", false, nil, []any{json.Number("-1.5e-3")}, map[string]any{"k": "v"}},
		},
		PrivateMetadata: map[string]any{"premium": "yes", "html": "<b>&</b>"},
		UnsafeMetadata:  map[string]any{"emoji 🙂 key": "🙂", "a.b": 1}})
	f.AddUser(clerkfake.UserSpec{Username: "only_username", CreatedAt: base.Add(time.Second)}) // no email, no names
	f.AddUser(clerkfake.UserSpec{Email: "first@example.test", FirstName: "First", CreatedAt: base.Add(2 * time.Second)})
	f.GenerateUsers(1200, func(i int) map[string]any {
		return map[string]any{"stripe_customer_id": fmt.Sprintf("cus_%d", i), "plan": []string{"pro", "free", "team"}[i%3]}
	})
	if err := f.MergeMetadata("user", f.GenerateUsers(1, nil)[0], PrivateMetadata, map[string]any{"premium": 1}); err != nil {
		t.Fatal(err)
	}
	pages := 0
	for _, q := range []string{"limit=500&order_by=created_at", "limit=500&order_by=created_at&offset=500",
		"limit=500&order_by=created_at&offset=1000", "limit=1", "limit=500&order_by=-created_at", "limit=500&created_at_after=99999999999999"} {
		page := fakeUsersPage(t, f, q)
		sameAsFull(t, q, page, true)
		pages++
	}
	// The odd first users really were read, not dropped.
	users, err := leanUsers(fakeUsersPage(t, f, "limit=3&order_by=created_at"))
	if err != nil || len(users) != 3 {
		t.Fatalf("got %d users, %v", len(users), err)
	}
	if u := users[0]; u.Email != "ünï@example.test" || u.Name != "Zoë Ångström 🙂" || u.PublicMetadata["big"] != json.Number("123456789012345678901") {
		t.Fatalf("first user read as %#v", u)
	}
	if users[1].Name != "only_username" || users[1].Email != "" || users[2].Name != "First" {
		t.Fatalf("users read as %#v", users[1:])
	}
}

// userJSON is a user object as Clerk's API documents it, with extra
// members spliced in (or replacing the documented ones by key).
func userJSON(id string, extra ...string) string {
	fields := []string{
		`"id":"` + id + `"`, `"object":"user"`, `"username":null`, `"first_name":"Ada"`, `"last_name":"Lovelace"`,
		`"image_url":"https://img.clerk.com/x"`, `"has_image":false`, `"primary_email_address_id":"idn_1"`,
		`"primary_phone_number_id":null`, `"primary_web3_wallet_id":null`, `"password_enabled":true`,
		`"two_factor_enabled":false`, `"totp_enabled":false`, `"backup_code_enabled":false`,
		`"email_addresses":[{"id":"idn_0","object":"email_address","email_address":"old@example.test","reserved":false,"verification":null,"linked_to":[]},` +
			`{"id":"idn_1","object":"email_address","email_address":"ada@example.test","reserved":false,"verification":{"status":"verified","strategy":"admin","attempts":null,"expire_at":null},"linked_to":[{"type":"oauth_google","id":"idn_x"}],"created_at":1700000000000}]`,
		`"phone_numbers":[]`, `"web3_wallets":[]`, `"external_accounts":[{"id":"eac_1","provider":"oauth_google","approved_scopes":"email","public_metadata":{},"label":null,"verification":{"status":"verified"}}]`,
		`"saml_accounts":[]`, `"public_metadata":{"plan":"pro"}`, `"private_metadata":{}`, `"unsafe_metadata":{}`,
		`"external_id":null`, `"last_sign_in_at":1751373000123`, `"banned":false`, `"locked":false`,
		`"lockout_expires_in_seconds":null`, `"verification_attempts_remaining":100`, `"delete_self_enabled":true`,
		`"create_organization_enabled":true`, `"last_active_at":null`, `"legal_accepted_at":null`,
		`"created_at":1700000000000`, `"updated_at":1751373000123`,
	}
	for _, e := range extra {
		key, _, _ := strings.Cut(e, ":")
		replaced := false
		for i, f := range fields {
			if strings.HasPrefix(f, key+":") {
				fields[i], replaced = e, true
			}
		}
		if !replaced {
			fields = append(fields, e)
		}
	}
	return "{" + strings.Join(fields, ",") + "}"
}

func page(users ...string) []byte { return []byte("[" + strings.Join(users, ",") + "]") }

func TestLeanUsersOddValues(t *testing.T) {
	read := map[string][]byte{
		"empty page":         []byte(`[]`),
		"empty page, spaces": []byte(" \n[ \t]\r\n"),
		"documented user":    page(userJSON("user_1")),
		"pretty printed":     []byte("[\n  {\n    \"id\" : \"user_1\" ,\n    \"created_at\" : 1 ,\n    \"public_metadata\" : { \"a\" : [ 1 , 2 ] }\n  }\n]\n"),
		"nulls everywhere": page(userJSON("user_1", `"first_name":null`, `"last_name":null`, `"username":"ada"`,
			`"primary_email_address_id":null`, `"public_metadata":null`, `"private_metadata":null`, `"unsafe_metadata":null`, `"created_at":null`)),
		"missing fields":           page(`{"id":"user_min"}`),
		"email list null":          page(userJSON("user_1", `"email_addresses":null`)),
		"email entries null":       page(userJSON("user_1", `"email_addresses":[null,{"id":"idn_1","email_address":"x@example.test"},null]`)),
		"primary email not listed": page(userJSON("user_1", `"primary_email_address_id":"idn_9"`)),
		"two emails share the id":  page(userJSON("user_1", `"email_addresses":[{"id":"idn_1","email_address":"a@x"},{"id":"idn_1","email_address":"b@x"}]`)),
		"email address null":       page(userJSON("user_1", `"email_addresses":[{"id":"idn_1","email_address":null}]`)),
		"names with spaces":        page(userJSON("user_1", `"first_name":"  "`, `"last_name":" Byron "`)),
		"escaped strings": page(userJSON(`user_\u0031`, `"first_name":"A\"da\\\/\b\f\n\r\t\u00e9\ud83d\ude42"`,
			`"public_metadata":{"k\u00e9y":"v\"al","\ud83d\ude42":"\u2028","lone":"\ud800"}`)),
		"unicode raw":   page(userJSON("user_ü", `"last_name":"Ångström 🙂"`, `"public_metadata":{"plän":"прo","🙂":"😀"}`)),
		"invalid utf-8": []byte("[" + userJSON("user_1", "\"last_name\":\"bad \xff\xfe byte\"", "\"public_metadata\":{\"k\xc3\":\"v\xe2\x82\"}") + "]"),
		"numbers in metadata": page(userJSON("user_1", `"public_metadata":{"int":42,"neg":-7,"zero":0,"negzero":-0,"frac":3.25,"exp":1e3,"Exp":-2.5E-7,`+
			`"big":123456789012345678901234567890,"epoch_ms":1751373000123,"epoch_s":1751373000.5,"arr":[0,1.0,2e+2]}`)),
		"metadata kinds": page(userJSON("user_1", `"public_metadata":{"t":true,"f":false,"n":null,"s":"","o":{},"a":[],"deep":{"a":{"b":{"c":[[{}]]}}}}`,
			`"private_metadata":{"dup":1,"dup":2}`, `"unsafe_metadata":{"x.y":{"z":"dotted"}}`)),
		"unknown members": page(userJSON("user_1", `"future_field":{"nested":[1,"two",{"three":null}]}`, `"another":-1.5e10`, `"flag":true`)),
		"many users":      page(userJSON("user_1"), userJSON("user_2", `"created_at":1700000000001`), userJSON("user_3", `"created_at":0`)),
		"negative epoch":  page(userJSON("user_1", `"created_at":-86400000`)),
		"max int64":       page(userJSON("user_1", `"created_at":9223372036854775807`)),
	}
	for name, p := range read {
		sameAsFull(t, name, p, true)
	}

	// Pages the lean parser leaves to encoding/json: shapes it does not
	// copy (and the full decode may accept), and errors.
	fallBack := map[string][]byte{
		"null page":                []byte(`null`),
		"object page":              []byte(`{"data":[]}`),
		"null user":                page(`null`),
		"user without id":          page(userJSON("")),
		"id null":                  page(userJSON("user_1", `"id":null`)),
		"upper-case key":           page(userJSON("user_1", `"First_Name":"Grace"`)),
		"kelvin-sign key":          page(`{"id":"user_1","\u212aey":1}`),
		"repeated field":           page(userJSON("user_1", `"zz":1`) + `,` + `{"id":"user_2","first_name":"A","first_name":"B"}`),
		"repeated email field":     page(userJSON("user_1", `"email_addresses":[{"id":"idn_1","id":"idn_2","email_address":"a@x"}]`)),
		"created_at fraction":      page(userJSON("user_1", `"created_at":1700000000000.5`)),
		"created_at exponent":      page(userJSON("user_1", `"created_at":1.7e12`)),
		"created_at string":        page(userJSON("user_1", `"created_at":"1700000000000"`)),
		"created_at overflow":      page(userJSON("user_1", `"created_at":9223372036854775808`)),
		"metadata array":           page(userJSON("user_1", `"public_metadata":[1]`)),
		"metadata string":          page(userJSON("user_1", `"private_metadata":"{}"`)),
		"first name a number":      page(userJSON("user_1", `"first_name":7`)),
		"emails an object":         page(userJSON("user_1", `"email_addresses":{}`)),
		"trailing garbage":         []byte(`[]x`),
		"two values":               []byte(`[][]`),
		"truncated":                page(userJSON("user_1"))[:200],
		"leading zero":             page(userJSON("user_1", `"public_metadata":{"n":01}`)),
		"bad escape":               page(userJSON("user_1", `"first_name":"\x"`)),
		"bad escape in skipped":    page(userJSON("user_1", `"image_url":"\q"`)),
		"short unicode escape":     page(userJSON("user_1", `"image_url":"\u12"`)),
		"control byte in string":   page(userJSON("user_1", "\"image_url\":\"a\tb\"")),
		"trailing comma":           []byte(`[{"id":"user_1"},]`),
		"trailing comma in object": page(`{"id":"user_1",}`),
		"bare word":                page(userJSON("user_1", `"banned":nope`)),
		"missing colon":            page(`{"id" "user_1"}`),
	}
	for name, p := range fallBack {
		sameAsFull(t, name, p, false)
	}
}

// The lean parser survives any bytes and, when it reads a page, reads it
// as clerk-sdk does.
func FuzzLeanUsers(f *testing.F) {
	f.Add(page(userJSON("user_1")))
	f.Add(page(userJSON("user_1", `"public_metadata":{"a":[1,{"b":null}],"c":"\u00e9"}`), `{"id":"user_2"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		lean, err := leanUsers(b)
		if err != nil {
			return
		}
		full, fullErr := (&Client{}).decodeUsersJSON(b)
		// Only a type clerk-sdk expects of a field ParityRail skips may differ.
		var typeErr *json.UnmarshalTypeError
		if fullErr != nil && !errors.As(fullErr, &typeErr) {
			t.Fatalf("lean read %q, which encoding/json refuses: %v", b, fullErr)
		}
		if fullErr == nil && !reflect.DeepEqual(lean, full) {
			t.Fatalf("%q: lean %#v, full %#v", b, lean, full)
		}
	})
}

// A users page's body is taken at the transport (getRaw) only when the
// answer is a success: an HTML 200 is still a bad response, and an error
// answer still reaches the SDK, which reads Clerk's error out of it.
func TestUsersPageBodiesTakenRaw(t *testing.T) {
	status, body := http.StatusOK, "<html>nope</html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, SecretKey: testKey, Sleep: (&sleepRecorder{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	list := func() error { return c.ListUsers(context.Background(), func(User) error { return nil }) }
	var e *Error
	if err := seen(list()); !errors.As(err, &e) || e.Code != CodeBadResponse || e.Status != 200 || !strings.Contains(err.Error(), "API base URL") {
		t.Fatalf("HTML 200: %v", err)
	}
	status, body = http.StatusForbidden, `{"errors":[{"code":"feature_disabled","message":"off","long_message":"Turned off"}],"clerk_trace_id":"tr_1"}`
	if err := seen(list()); !errors.As(err, &e) || e.Code != CodeForbidden || e.ClerkCode != "feature_disabled" || e.TraceID != "tr_1" {
		t.Fatalf("403: %#v", err)
	}
	status, body = http.StatusOK, string(page(userJSON("user_1"), userJSON("user_2", `"created_at":1700000000001`)))
	var ids []string
	if err := c.ListUsers(context.Background(), func(u User) error { ids = append(ids, u.ID+" "+u.Email); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"user_1 ada@example.test", "user_2 ada@example.test"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("read %q, want %q", ids, want)
	}
}
