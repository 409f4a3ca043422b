package postgres

import (
	"reflect"
	"testing"
)

func TestDistinctValuesCountsWhatTheAppStores(t *testing.T) {
	db := newTestDB(t,
		`CREATE TYPE tier AS ENUM ('free', 'pro', 'team')`,
		`CREATE TABLE profiles (id serial PRIMARY KEY, plan text, tier tier, secret text)`,
		`INSERT INTO profiles (plan, tier) VALUES ('pro', 'pro'), ('pro', 'pro'), ('Team', 'team'), ('free', 'free'),
			('free', 'free'), ('free', NULL), (NULL, NULL), ('', NULL), ('basic', NULL)`)
	_, cs := db.role("pw", `GRANT SELECT (id, plan, tier) ON profiles TO ROLE`)
	src := db.source(cs)
	ctx := ctxT(t)

	got, err := src.DistinctValues(ctx, "public", "profiles", "plan", 50)
	if err != nil {
		t.Fatal(err)
	}
	want := []ValueCount{{"free", 3}, {"pro", 2}, {"Team", 1}, {"basic", 1}}
	if !reflect.DeepEqual(got.Values, want) || got.Unset != 2 || got.Distinct != 4 {
		t.Errorf("plan = %+v", got)
	}

	// An enum column reads as its labels; the cut keeps the most common.
	got, err = src.DistinctValues(ctx, "public", "profiles", "tier", 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ValueCount{{"free", 2}, {"pro", 2}}; !reflect.DeepEqual(got.Values, want) || got.Unset != 4 || got.Distinct != 3 {
		t.Errorf("tier, limit 2 = %+v", got)
	}

	// Only what the role can read is ever named in SQL.
	for _, c := range []struct{ table, column, code string }{
		{"profiles", "secret", CodeInvalidMapping},
		{"profiles", `plan"; DROP TABLE profiles; --`, CodeInvalidMapping},
		{"nope", "plan", CodeInvalidMapping},
	} {
		if _, err := src.DistinctValues(ctx, "public", c.table, c.column, 50); code(err) != c.code {
			t.Errorf("%s.%s: %v", c.table, c.column, err)
		}
	}
}
