package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"parityrail/fulfillment"
)

// FieldValue is fieldValue for other SQL sources (the demo's SQLite app),
// so a value reads the same whichever database holds it.
func FieldValue(field, column string, raw any) *fulfillment.FieldValue {
	return fieldValue(field, column, raw)
}

// DecodeJSON decodes a JSON column's text as a jsonb column reads.
func DecodeJSON(s string) (any, error) { return decodeJSON(s) }

// fieldValue converts one column value as read (raw: nil, string, bool,
// int64, time.Time, []string or decoded JSON) into the typed FieldValue of
// its field. It never fails: what cannot be read becomes ParseError.
func fieldValue(field, column string, raw any) *fulfillment.FieldValue {
	fv := &fulfillment.FieldValue{Path: column, Raw: raw}
	if raw == nil {
		return fv
	}
	var err error
	switch field {
	case fulfillment.FieldPlan:
		s := fmt.Sprint(raw)
		fv.Text = &s
	case fulfillment.FieldPremium:
		var b bool
		if b, err = parsePremium(raw); err == nil {
			fv.Flag = &b
		}
	case fulfillment.FieldTrialEnd:
		var t time.Time
		var ok bool
		if t, ok, err = parseTrialEnd(raw); err == nil && ok {
			fv.Time = &t
		}
	case fulfillment.FieldEntitlements:
		var set []string
		if set, err = parseEntitlements(raw); err == nil {
			fv.Set = set
		}
	}
	if err != nil {
		fv.ParseError = err.Error()
	}
	return fv
}

func parsePremium(raw any) (bool, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	case string:
		// PostgreSQL's own text form of a boolean is t / f.
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "t":
			return true, nil
		case "f":
			return false, nil
		}
		if b, known := fulfillment.PremiumWord(v); known {
			return b, nil
		}
		return false, fmt.Errorf("%q is not a recognised premium value (truthy: true, 1, yes, on, premium, active; falsy: false, 0, no, off, inactive, free, empty)", shorten(v))
	}
	return false, fmt.Errorf("a %T cannot say yes or no", raw)
}

var numericRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// ISO-8601 forms apps write: RFC 3339, the same with a space (PostgreSQL's
// text output, with a short offset like +00), without offset (UTC), or a date.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}

// parseTrialEnd reads a trial end; ok is false when there is none (an empty
// string). timestamp without time zone and dates are read as UTC.
func parseTrialEnd(raw any) (t time.Time, ok bool, err error) {
	var f float64
	switch v := raw.(type) {
	case time.Time:
		return v.UTC(), true, nil
	case int64:
		f = float64(v)
	case string:
		s := strings.TrimSpace(v)
		switch {
		case s == "" || strings.EqualFold(s, "null"):
			return time.Time{}, false, nil
		case s == "infinity" || s == "-infinity":
			return time.Time{}, false, fmt.Errorf("%s is not a date", s)
		case !numericRE.MatchString(s):
			if len(s) > 10 && s[10] == ' ' {
				s = s[:10] + "T" + s[11:]
			}
			for _, layout := range isoLayouts {
				if t, err := time.Parse(layout, s); err == nil {
					return t.UTC(), true, nil
				}
			}
			return time.Time{}, false, fmt.Errorf("%q is neither an ISO-8601 date (e.g. 2025-07-01T00:00:00Z) nor epoch seconds or milliseconds", shorten(v))
		}
		f, _ = strconv.ParseFloat(s, 64)
	default:
		return time.Time{}, false, fmt.Errorf("a %T is not a date", raw)
	}
	// Epoch seconds or milliseconds, by fulfillment's one rule.
	t, why := fulfillment.EpochTime(f)
	if why != "" {
		return time.Time{}, false, fmt.Errorf("%v is %s", f, why)
	}
	return t, true, nil
}

// parseEntitlements reads a jsonb object {feature: bool} (the true keys), a
// jsonb array of feature names, or a text[]; the result is sorted.
func parseEntitlements(raw any) ([]string, error) {
	var out []string
	switch v := raw.(type) {
	case []string:
		out = slices.Clone(v)
	case map[string]any:
		var bad []string
		for k, x := range v {
			switch b := x.(type) {
			case bool:
				if b {
					out = append(out, k)
				}
			case nil:
			default:
				bad = append(bad, k)
			}
		}
		if len(bad) > 0 {
			slices.Sort(bad)
			return nil, fmt.Errorf("these feature keys are not true or false: %s", strings.Join(bad, ", "))
		}
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("the list holds %s, not feature names", shorten(fmt.Sprint(x)))
			}
			out = append(out, s)
		}
	default:
		return nil, fmt.Errorf(`not an object of {"feature": true/false} or a list of features`)
	}
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// decodeJSON keeps numbers as json.Number so large values survive exactly.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
