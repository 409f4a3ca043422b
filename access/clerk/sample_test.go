package clerk

import (
	"context"
	"reflect"
	"testing"

	"parityrail/demo/clerkfake"
)

func TestSampleValuesCountsThePlanAtAPath(t *testing.T) {
	w := newWorld(t)
	for _, md := range []map[string]any{
		{"plan": "pro"}, {"plan": "pro"}, {"plan": "Team"}, {"plan": ""}, {"plan": nil}, {},
		{"plan": map[string]any{"id": "pro"}}, {"plan": 3}, {"plan": "free"},
	} {
		w.fake.AddUser(clerkfake.UserSpec{PublicMetadata: md})
	}
	w.fake.AddOrganization(clerkfake.OrgSpec{Name: "A", PrivateMetadata: map[string]any{"billing": map[string]any{"tier": "team"}}})
	ctx := context.Background()

	users, err := w.client.SampleUsers(ctx)
	if seen(err) != nil {
		t.Fatal(err)
	}
	path, ok := LikelyPlanPath(users)
	if !ok || path.String() != "public_metadata.plan" {
		t.Fatalf("likely path = %v %v", path, ok)
	}
	got := CountValues(users, path)
	want := ValueSample{Values: []ValueCount{{"pro", 2}, {"3", 1}, {"Team", 1}, {"free", 1}}, Unset: 3, NotText: 1, Sampled: 9}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values = %+v", got)
	}

	orgs, err := w.client.SampleOrganizations(ctx)
	if seen(err) != nil {
		t.Fatal(err)
	}
	if _, ok := LikelyPlanPath(orgs); ok {
		t.Error("a nested key is only read when step 6 names it")
	}
	got = CountValues(orgs, MustParseFieldPath("private_metadata.billing.tier"))
	if !reflect.DeepEqual(got.Values, []ValueCount{{"team", 1}}) {
		t.Errorf("org values = %+v", got)
	}
	for _, r := range w.fake.Requests() {
		if r.Method != "GET" || r.Query.Encode() != "limit=100&order_by=-created_at" {
			t.Errorf("request %+v", r)
		}
	}
}
