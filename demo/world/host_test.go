package world

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Each demo project has its own world behind its own path prefix; only
// worlds the app opened answer, and Reset undoes changes.
func TestHostServesOneWorldPerProject(t *testing.T) {
	h, err := StartHost()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	stripeA, clerkA := h.Bases("prj_a")
	_, clerkB := h.Bases("prj_b")
	if status, body := get(t, stripeA+"/v1/customers?limit=1", "Bearer "+StripeKey); status != 200 || !strings.Contains(body, `"cus_`) {
		t.Fatalf("project a's Stripe: %d %s", status, body)
	}
	ada := "user_GPP6NAGj4Qhs3fgSvX4jsvHOvaZ" // Ada in the manifest
	if status, _ := get(t, clerkA+"/users/"+ada, "Bearer "+ClerkSecretKey); status != 200 {
		t.Fatalf("project a's Clerk: %d", status)
	}

	// A change in project a's world stays there, until a reset.
	if err := h.World("prj_a").Clerk.SetUserMetadata(ada, "public_metadata", map[string]any{"plan": "changed"}); err != nil {
		t.Fatal(err)
	}
	_, a := get(t, clerkA+"/users/"+ada, "Bearer "+ClerkSecretKey)
	_, b := get(t, clerkB+"/users/"+ada, "Bearer "+ClerkSecretKey)
	if !strings.Contains(a, `"changed"`) || strings.Contains(b, `"changed"`) {
		t.Fatalf("worlds are not separate: a=%s b=%s", a, b)
	}
	h.Reset("prj_a")
	if _, a = get(t, clerkA+"/users/"+ada, "Bearer "+ClerkSecretKey); strings.Contains(a, `"changed"`) {
		t.Fatalf("reset kept the change: %s", a)
	}

	// A project the app never opened (or forgot) has no world.
	before := len(h.worlds)
	if status, _ := get(t, strings.Replace(stripeA, "prj_a", "prj_stranger", 1)+"/v1/customers", "Bearer "+StripeKey); status != 404 {
		t.Errorf("unknown project answered %d", status)
	}
	h.Forget("prj_b")
	if status, _ := get(t, clerkB+"/users", "Bearer "+ClerkSecretKey); status != 404 {
		t.Errorf("forgotten project answered %d", status)
	}
	if len(h.worlds) != before-1 {
		t.Errorf("worlds: %d, want %d", len(h.worlds), before-1)
	}
}
