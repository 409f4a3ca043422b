package clerkfake

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCreatedWindow pins the created_at_after / created_at_before filters:
// both bounds strict, in milliseconds, combinable with the starting_after
// cursor and with /users/count, and a 422 for anything but an integer.
func TestCreatedWindow(t *testing.T) {
	f, srv := newFake(t)
	k := DefaultSecretKey
	// Two users in each of the milliseconds 1000, 1001 and 1002.
	var ids []string
	for ms := int64(1000); ms <= 1002; ms++ {
		for range 2 {
			ids = append(ids, f.AddUser(UserSpec{CreatedAt: time.UnixMilli(ms)}))
		}
	}
	list := func(query string) []string {
		t.Helper()
		status, _, body := get(t, srv, "/v1/users?order_by=created_at&limit=500&"+query, k)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, status, body)
		}
		got := userIDs(t, body)
		slices.Sort(got)
		return got
	}
	sorted := func(s ...string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"created_at_after=1000", sorted(ids[2:]...)},
		{"created_at_after=999", sorted(ids...)},
		{"created_at_before=1002", sorted(ids[:4]...)},
		{"created_at_after=1000&created_at_before=1002", sorted(ids[2:4]...)},
		{"created_at_after=1001&created_at_before=1002", nil},
		{"created_at_after=1002", nil},
	} {
		if got := list(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}

	// The cursor walks inside the window: one user a page.
	var walked []string
	cursor := ""
	for range 10 {
		q := "/v1/users?order_by=created_at&limit=1&created_at_after=999&created_at_before=1002"
		if cursor != "" {
			q += "&starting_after=" + cursor
		}
		_, _, body := get(t, srv, q, k)
		page := userIDs(t, body)
		if len(page) == 0 {
			break
		}
		walked = append(walked, page...)
		cursor = page[0]
	}
	if !slices.Equal(sorted(walked...), sorted(ids[:4]...)) || len(walked) != 4 {
		t.Fatalf("cursor in a window: %v", walked)
	}
	// A cursor outside the window is no user of that list.
	status, _, _ := get(t, srv, "/v1/users?created_at_after=1001&starting_after="+ids[0], k)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("cursor outside the window: %d", status)
	}

	status, _, body := get(t, srv, "/v1/users/count?created_at_after=1000&created_at_before=1002", k)
	if status != http.StatusOK || !strings.Contains(string(body), `"total_count":2`) {
		t.Fatalf("count in a window: %d %s", status, body)
	}

	for _, bad := range []string{"created_at_after=yesterday", "created_at_before=1.5", "created_at_after="} {
		for _, path := range []string{"/v1/users", "/v1/users/count"} {
			status, _, body := get(t, srv, path+"?"+bad, k)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%s?%s: status %d, want 422", path, bad, status)
				continue
			}
			e := clerkError(t, body)
			param := strings.SplitN(bad, "=", 2)[0]
			if e.Code != "form_param_value_invalid" || !strings.Contains(string(e.Meta), fmt.Sprintf(`"param_name":%q`, param)) {
				t.Errorf("%s: %s %s", bad, e.Code, e.Meta)
			}
		}
	}
}
