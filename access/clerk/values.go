package clerk

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"parityrail/fulfillment"
)

// ValueError describes a metadata value that cannot be read as what its field
// mapping says. The comparison reports it as evidence on the subject; it is
// never a reason to stop a check.
type ValueError struct {
	Field  string   // "premium flag", "trial end" or "entitlements"
	Keys   []string // entitlements: the feature keys whose values are not booleans
	Value  any      // the value as read
	Reason string
}

func (e *ValueError) Error() string {
	if len(e.Keys) > 0 {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Reason, strings.Join(e.Keys, ", "))
	}
	return fmt.Sprintf("%s: %s is %s", e.Field, describe(e.Value), e.Reason)
}

// describe renders a value the way it appears in Clerk's JSON, shortened.
func describe(v any) string {
	b, err := json.Marshal(v)
	s := string(b)
	if err != nil {
		s = fmt.Sprintf("%v", v)
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}

// ParsePremium reads a premium flag. Missing or null is false. Booleans are
// themselves, numbers are true when non-zero, strings must be one of the
// known spellings; anything else (objects, arrays, other strings) is a
// *ValueError.
func ParsePremium(v any) (bool, error) {
	if v == nil {
		return false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		if b, known := fulfillment.PremiumWord(t); known {
			return b, nil
		}
		return false, &ValueError{Field: "premium flag", Value: v,
			Reason: "not a recognised value (truthy: true, 1, yes, on, premium, active; falsy: false, 0, no, off, inactive, free, empty or null)"}
	}
	if f, ok := number(v); ok {
		if math.IsNaN(f) {
			return false, &ValueError{Field: "premium flag", Value: v, Reason: "not a number"}
		}
		return f != 0, nil
	}
	return false, &ValueError{Field: "premium flag", Value: v,
		Reason: "not a boolean, number or string (an object or list cannot say yes or no)"}
}

// number converts JSON and Go numeric values; json.Number keeps what
// UseNumber decoded.
func number(v any) (float64, bool) {
	if n, ok := v.(json.Number); ok {
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

var numericRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// Accepted ISO-8601 forms: RFC 3339 (with offset or Z, any fraction), the same
// with a space instead of T, a date-time without offset (read as UTC), and a
// date alone (midnight UTC).
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}

// ParseTrialEnd reads a trial end: an ISO-8601 string, or epoch seconds or
// milliseconds (fulfillment.EpochTime) as a number or numeric string. ok is false when there is no
// trial end (missing, null or empty string). Anything else unreadable is a
// *ValueError.
func ParseTrialEnd(v any) (t time.Time, ok bool, err error) {
	if v == nil {
		return time.Time{}, false, nil
	}
	bad := func(reason string) (time.Time, bool, error) {
		return time.Time{}, false, &ValueError{Field: "trial end", Value: v, Reason: reason}
	}
	var f float64
	switch s := v.(type) {
	case string:
		s = strings.TrimSpace(s)
		if s == "" || strings.EqualFold(s, "null") {
			return time.Time{}, false, nil
		}
		if !numericRE.MatchString(s) {
			if len(s) > 10 && s[10] == ' ' {
				s = s[:10] + "T" + s[11:]
			}
			for _, layout := range isoLayouts {
				if t, err := time.Parse(layout, s); err == nil {
					return t.UTC(), true, nil
				}
			}
			return bad("neither an ISO-8601 date (e.g. 2025-07-01T00:00:00Z) nor epoch seconds or milliseconds")
		}
		f, _ = strconv.ParseFloat(s, 64)
	case bool:
		return bad("a boolean, not a date")
	default:
		n, isNum := number(v)
		if !isNum {
			return bad("not a date: expected an ISO-8601 string or an epoch number")
		}
		f = n
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return bad("not a finite number")
	}
	t, why := fulfillment.EpochTime(f)
	if why != "" {
		return bad(why)
	}
	return t, true, nil
}

// ParseEntitlements reads an object {featureKey: boolean} and returns the
// sorted keys whose value is true. Missing or null means no entitlements, and
// a null feature value counts as false. Any other non-boolean value (strings
// like "true" included: the page promises booleans) is a *ValueError naming
// every such key; the keys that did read true are still returned with it.
func ParseEntitlements(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ValueError{Field: "entitlements", Value: v,
			Reason: `not an object of {"featureKey": true/false}`}
	}
	var granted, bad []string
	for k, fv := range obj {
		switch b := fv.(type) {
		case nil:
		case bool:
			if b {
				granted = append(granted, k)
			}
		default:
			bad = append(bad, k)
		}
	}
	slices.Sort(granted)
	if len(bad) > 0 {
		slices.Sort(bad)
		return granted, &ValueError{Field: "entitlements", Keys: bad, Value: v,
			Reason: "these feature keys have values that are not true or false"}
	}
	return granted, nil
}
