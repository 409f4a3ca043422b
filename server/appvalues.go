package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"parityrail/access/clerk"
	"parityrail/access/postgres"
	"parityrail/db"
	"parityrail/fulfillment"
	"parityrail/mapping"
	"parityrail/sources"
)

// appValuesLimit is how many of the most common values step 5 offers: plans
// are a handful; anything past 50 is noise in a picker.
const appValuesLimit = 50

// Where an origin's column or metadata path comes from.
const (
	basisMapped    = "mapped"    // saved on step 6
	basisSuggested = "suggested" // step 6 not saved: the column or key that looks like the plan
)

// appValuesOrigin is one place the values were read: a column of a table, or
// a metadata path on sampled Clerk users or organizations.
type appValuesOrigin struct {
	Subject string `json:"subject"` // users or organizations
	Where   string `json:"where"`   // public.profiles.plan, or public_metadata.plan
	Basis   string `json:"basis"`
	Reason  string `json:"reason,omitempty"`
	// Sampled: Clerk reads the most recent subjects only, this many.
	Sampled int `json:"sampled,omitempty"`
	// Unset counts rows or subjects with no value (NULL, missing, empty).
	Unset int64 `json:"unset"`
	// Distinct is how many distinct values this origin holds (more than it
	// listed when the list was cut).
	Distinct int64 `json:"distinct"`
	// Warning: something makes these counts doubtful (row-level security).
	Warning string `json:"warning,omitempty"`
}

type appValueItem struct {
	Value string   `json:"value"`
	Count int64    `json:"count"`
	Where []string `json:"where"`
}

type appValuesView struct {
	Field   string            `json:"field"`
	Source  string            `json:"source"` // postgres or clerk
	Origins []appValuesOrigin `json:"origins"`
	Items   []appValueItem    `json:"items"`
	// Note says why nothing was read, when no origin was found.
	Note string `json:"note,omitempty"`
}

// appValues lists the values the app really stores for a field (the plan),
// with counts and where they were read, so step 5 maps prices to values the
// app uses instead of guessing them from Stripe's names.
func (s *Server) appValues(c echo.Context) error {
	if f := c.QueryParam("field"); f != fulfillment.FieldPlan {
		return badRequest("invalid_filter", "field must be plan: the plan is the app field whose values step 5 maps prices to.").on("field")
	}
	p := currentProject(c)
	m, err := s.storedMapping(c, p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 45*time.Second)
	defer cancel()
	var v appValuesView
	switch p.AccessSource {
	case "postgres":
		v, err = s.postgresAppValues(ctx, p, m)
	case "clerk", sources.SourceDemo:
		v, err = s.clerkAppValues(ctx, p, m)
	case "":
		return answer(sources.CodeNoAccessSource, "Choose the access-state source on step 1 (Stack) and connect it on step 3.")
	default:
		return answer(sources.CodeUnsupportedSource, fmt.Sprintf("The access-state source %q has no values to read.", p.AccessSource))
	}
	if err != nil {
		return sourceAnswer(err)
	}
	v.Field = fulfillment.FieldPlan
	if v.Origins == nil {
		v.Origins = []appValuesOrigin{}
	}
	if v.Items == nil {
		v.Items = []appValueItem{}
	}
	return c.JSON(http.StatusOK, v)
}

// planColumn is one table's plan column to count.
type planColumn struct {
	subject string
	table   postgres.Table
	column  string
	basis   string
	reason  string
}

// postgresAppValues counts the plan column of the users table (and of the
// organizations table when step 4 maps one): the column step 6 saved, else
// the one named like a plan.
func (s *Server) postgresAppValues(ctx context.Context, p db.Project, m mapping.Mapping) (appValuesView, error) {
	v := appValuesView{Source: "postgres"}
	src, err := s.sources.PostgresSource(ctx, p)
	if err != nil {
		return v, err
	}
	defer src.Close()
	sch, err := src.Schema(ctx)
	if err != nil {
		return v, err
	}
	cols := planColumns(sch, m)
	if len(cols) == 0 {
		v.Note = "No plan column is mapped on step 6, and no readable table has a column named like a plan (plan, tier, …)."
	}
	merged := map[string]*appValueItem{}
	for _, pc := range cols {
		got, err := src.DistinctValues(ctx, pc.table.Schema, pc.table.Name, pc.column, appValuesLimit)
		if err != nil {
			return v, err
		}
		where := pc.table.QualifiedName() + "." + pc.column
		o := appValuesOrigin{Subject: pc.subject, Where: where, Basis: pc.basis, Reason: pc.reason, Unset: got.Unset, Distinct: got.Distinct}
		if got.RowSecurity {
			o.Warning = fmt.Sprintf("Row-level security hides every row of %s from the read-only role, so no values show. Add a SELECT policy for the role.", pc.table.QualifiedName())
		}
		v.Origins = append(v.Origins, o)
		for _, vc := range got.Values {
			addValue(merged, vc.Value, vc.Count, where)
		}
	}
	v.Items = sortedValues(merged)
	return v, nil
}

// planColumns picks the plan columns to count: per mapped table (step 4),
// step 6's column or the likeliest one; before step 4, the suggested tables'.
func planColumns(sch postgres.Schema, m mapping.Mapping) []planColumn {
	var out []planColumn
	add := func(subject string, id *mapping.Identity, mapped string) {
		tm := (mapping.Mapping{Identity: id}).Postgres().Users
		t, ok := sch.Table(tm.SchemaName(), tm.Table)
		if !ok {
			return
		}
		if _, ok := t.Column(mapped); ok && mapped != "" {
			out = append(out, planColumn{subject, t, mapped, basisMapped, ""})
			return
		}
		if name, why, ok := postgres.SuggestPlanColumn(t); ok {
			out = append(out, planColumn{subject, t, name, basisSuggested, why})
		}
	}
	if m.Identity != nil && m.Identity.Table != "" {
		var users, orgs string
		if m.Access != nil {
			users = m.Access.Users.Plan
			if m.Access.Organizations != nil {
				orgs = m.Access.Organizations.Plan
			}
		}
		add("users", m.Identity, users)
		if m.Identity.Organizations != nil {
			add("organizations", m.Identity.Organizations, orgs)
		}
		return out
	}
	sug := postgres.Suggest(sch)
	for _, ts := range []struct {
		subject string
		s       *postgres.TableSuggestion
	}{{"users", sug.Users}, {"organizations", sug.Orgs}} {
		if ts.s == nil || ts.s.Mapping.Plan == "" {
			continue
		}
		if t, ok := sch.Table(ts.s.Mapping.Schema, ts.s.Mapping.Table); ok {
			out = append(out, planColumn{ts.subject, t, ts.s.Mapping.Plan, basisSuggested,
				strings.TrimSpace(ts.s.Reasons["table"] + " " + ts.s.Reasons[fulfillment.FieldPlan])})
		}
	}
	return out
}

// clerkAppValues counts the plan on the most recent users (and
// organizations, when step 6 maps them) at step 6's path, else at the key
// named like a plan. Only Clerk's sample reads (GETs).
func (s *Server) clerkAppValues(ctx context.Context, p db.Project, m mapping.Mapping) (appValuesView, error) {
	v := appValuesView{Source: "clerk"}
	client, err := s.sources.ClerkClient(ctx, p)
	if err != nil {
		return v, err
	}
	merged := map[string]*appValueItem{}
	users, err := client.SampleUsers(ctx)
	if err != nil {
		return v, err
	}
	var userPlan, orgPlan string
	if m.Access != nil {
		userPlan = m.Access.Users.Plan
	}
	o, ok, err := clerkOrigin("users", users, userPlan, merged)
	if err != nil {
		return v, err
	}
	if ok {
		v.Origins = append(v.Origins, o)
	}
	if m.Access != nil && m.Access.Organizations != nil {
		orgPlan = m.Access.Organizations.Plan
		orgs, err := client.SampleOrganizations(ctx)
		if err != nil {
			return v, err
		}
		o, ok, err := clerkOrigin("organizations", orgs, orgPlan, merged)
		if err != nil {
			return v, err
		}
		if ok {
			v.Origins = append(v.Origins, o)
		}
	}
	if len(v.Origins) == 0 {
		v.Note = fmt.Sprintf("No plan field is mapped on step 6, and none of your %d most recent Clerk users has a metadata key named like a plan (plan, tier, …).", len(users))
	}
	v.Items = sortedValues(merged)
	return v, nil
}

// clerkOrigin counts the values at the mapped path (or the likely one) on
// sampled subjects into merged; ok is false when there is no path to read.
func clerkOrigin[S clerk.Subject](subject string, sample []S, mapped string, merged map[string]*appValueItem) (appValuesOrigin, bool, error) {
	o := appValuesOrigin{Subject: subject, Basis: basisMapped, Sampled: len(sample)}
	var path clerk.FieldPath
	if mapped != "" {
		var err error
		if path, err = clerk.ParseFieldPath(mapped); err != nil {
			return o, false, err
		}
	} else {
		var ok bool
		if path, ok = clerk.LikelyPlanPath(sample); !ok {
			return o, false, nil
		}
		o.Basis = basisSuggested
		o.Reason = fmt.Sprintf("%s is the metadata key named like a plan on your most recent %s.", path, subject)
	}
	o.Where = path.String()
	got := clerk.CountValues(sample, path)
	o.Unset, o.Distinct = int64(got.Unset), int64(len(got.Values))
	for i, vc := range got.Values {
		if i == appValuesLimit {
			break
		}
		addValue(merged, vc.Value, int64(vc.Count), o.Where)
	}
	return o, true, nil
}

func addValue(merged map[string]*appValueItem, value string, n int64, where string) {
	it, ok := merged[value]
	if !ok {
		it = &appValueItem{Value: value}
		merged[value] = it
	}
	it.Count += n
	if !slices.Contains(it.Where, where) {
		it.Where = append(it.Where, where)
	}
}

// sortedValues: most common first, then by value, at most appValuesLimit.
func sortedValues(merged map[string]*appValueItem) []appValueItem {
	out := make([]appValueItem, 0, len(merged))
	for _, it := range merged {
		out = append(out, *it)
	}
	slices.SortFunc(out, func(a, b appValueItem) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	if len(out) > appValuesLimit {
		out = out[:appValuesLimit]
	}
	return out
}
