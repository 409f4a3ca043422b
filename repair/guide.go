package repair

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"parityrail/fulfillment"
)

// ClerkAPIBase is Clerk's Backend API, which the guided request addresses
// unless ParityRail reads Clerk through another base (a proxy): the person
// then runs the request the same way.
const ClerkAPIBase = "https://api.clerk.com/v1"

// Instance is the Clerk instance a project reads: the API base its
// requests go to, and whether the key is a development (sk_test_) or a
// production (sk_live_) instance's.
type Instance struct {
	APIBase     string
	Environment string // "development" or "production"
}

// Roadmap is the sentence every guided fix carries (seed, "Repairs are
// guided, not automated").
const Roadmap = "Automated Clerk metadata writes are on the roadmap. Until then, apply the change in Clerk and re-run the check to verify it took effect."

// GuidedFix is the exact Clerk change that makes the app keep the promise:
// which user or organization, each field path with its current and expected
// value, and a copy-paste snippet (the metadata to merge, and the same
// change as a Backend API request). ParityRail never writes to Clerk.
type GuidedFix struct {
	SubjectKind  string `json:"subject_kind"` // user or organization
	SubjectID    string `json:"subject_id"`
	Email        string `json:"email,omitempty"`
	Name         string `json:"name,omitempty"`
	DashboardURL string `json:"dashboard_url"`
	// Environment names the Clerk instance to make the change in
	// (development or production): the dashboard opens the last one used,
	// which may be the other.
	Environment string        `json:"environment,omitempty"`
	Fields      []GuidedField `json:"fields"`
	// Metadata is what to merge into the subject's metadata, per container
	// (public_metadata, private_metadata, unsafe_metadata); a null removes
	// the key.
	Metadata     map[string]map[string]any `json:"metadata"`
	MetadataJSON string                    `json:"metadata_json"`
	// The Backend API request that merges the same change.
	APIMethod string `json:"api_method"`
	APIURL    string `json:"api_url"`
	APIBody   string `json:"api_body"`
	// APIRequest is the request as a curl command, ready to paste.
	APIRequest string `json:"api_request"`
	Reason     string `json:"reason"`
	Roadmap    string `json:"roadmap"`
}

// GuidedField is one metadata key to change.
type GuidedField struct {
	Field        string `json:"field"`
	Path         string `json:"path"` // <container>.<key>
	Current      any    `json:"current"`
	Expected     any    `json:"expected"`
	CurrentText  string `json:"current_text"`
	ExpectedText string `json:"expected_text"`
}

// Guide builds the guided fix of a Clerk finding (ok false when the finding
// has no field change to make: unmatched, ambiguous, an unmapped price).
func Guide(f fulfillment.Finding, in Instance) (GuidedFix, bool) {
	if f.Subject == nil || (f.Subject.Kind != fulfillment.SubjectUser && f.Subject.Kind != fulfillment.SubjectOrganization) {
		return GuidedFix{}, false
	}
	plan, ok := fulfillment.Repair(f)
	if !ok {
		return GuidedFix{}, false
	}
	s := f.Subject
	g := GuidedFix{SubjectKind: string(s.Kind), SubjectID: s.ID, Email: s.Email, Name: s.Name, Reason: plan.Reason,
		Roadmap: Roadmap, Fields: []GuidedField{}, Metadata: map[string]map[string]any{}, APIMethod: "PATCH",
		Environment: in.Environment}
	resource := "users"
	if s.Kind == fulfillment.SubjectOrganization {
		resource = "organizations"
	}
	g.DashboardURL = "https://dashboard.clerk.com/last-active?path=/" + resource + "/" + s.ID
	base := strings.TrimRight(in.APIBase, "/")
	if base == "" {
		base = ClerkAPIBase
	}
	g.APIURL = base + "/" + resource + "/" + s.ID + "/metadata"
	texts := map[string]fulfillment.FieldDiff{}
	for _, d := range f.Fields {
		texts[d.Field] = d
	}
	for _, fc := range plan.Fields {
		container, key, found := strings.Cut(fc.Path, ".")
		if !found || key == "" {
			continue
		}
		value := clerkValue(fc.Field, fc.After, fc.Before)
		if g.Metadata[container] == nil {
			g.Metadata[container] = map[string]any{}
		}
		g.Metadata[container][key] = value
		d := texts[fc.Field]
		g.Fields = append(g.Fields, GuidedField{Field: fc.Field, Path: fc.Path, Current: fc.Before, Expected: value,
			CurrentText: d.ActualText, ExpectedText: d.ExpectedText})
	}
	if len(g.Fields) == 0 {
		return GuidedFix{}, false
	}
	pretty, _ := json.MarshalIndent(g.Metadata, "", "  ")
	compact, _ := json.Marshal(g.Metadata)
	g.MetadataJSON, g.APIBody = string(pretty), string(compact)
	g.APIRequest = fmt.Sprintf("curl -X PATCH %s \\\n  -H \"Authorization: Bearer $CLERK_SECRET_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '%s'",
		g.APIURL, strings.ReplaceAll(g.APIBody, "'", `'\''`))
	return g, true
}

// clerkValue is the metadata value to set, in the shape the app already
// uses where it can tell (an epoch stays an epoch, a list stays a list).
func clerkValue(field string, after, before any) any {
	switch field {
	case fulfillment.FieldTrialEnd:
		t, ok := after.(time.Time)
		if str, isStr := after.(string); isStr { // a finding read back from JSON
			t, ok = parseTime(str)
		}
		if !ok {
			return nil // no trial owed: remove the key
		}
		if n, isNum := before.(float64); isNum && n == math.Trunc(n) {
			if fulfillment.EpochInMillis(n) { // the unit the readers took it in
				return t.UnixMilli()
			}
			return t.Unix()
		}
		return t.UTC().Format(time.RFC3339)
	case fulfillment.FieldEntitlements:
		var set []string
		switch x := after.(type) {
		case []string:
			set = slices.Clone(x)
		case []any:
			for _, e := range x {
				if k, ok := e.(string); ok {
					set = append(set, k)
				}
			}
		}
		set = slices.Compact(slices.Sorted(slices.Values(set)))
		if _, isList := before.([]any); isList {
			if set == nil {
				return []string{}
			}
			return set
		}
		return fulfillment.EntitlementObject(before, set)
	}
	return after
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
