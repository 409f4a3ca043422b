package stripefake

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// createdFilter is a list's created parameter, as Stripe takes it: either
// created=<unix seconds> (that second only) or a hash of created[gt],
// created[gte], created[lt] and created[lte], each a bound in seconds, gt
// and lt exclusive, gte and lte inclusive. It is kept as the inclusive
// range [min, max].
type createdFilter struct {
	min, max int64
}

var anyCreated = createdFilter{min: math.MinInt64, max: math.MaxInt64}

func (c createdFilter) holds(created int64) bool { return created >= c.min && created <= c.max }

// span is the run [lo, hi) of sorted (newest first) whose creation times
// fall in the range.
func (c createdFilter) span(sorted []*entry) (lo, hi int) {
	lo = sort.Search(len(sorted), func(i int) bool { return sorted[i].created <= c.max })
	hi = sort.Search(len(sorted), func(i int) bool { return sorted[i].created < c.min })
	return lo, max(lo, hi)
}

// createdRange reads the created parameter, answering Stripe's errors for
// a value that is not an integer, an empty value and an unknown key.
func createdRange(q url.Values) (createdFilter, *apiError) {
	c := anyCreated
	plain, hash := false, false
	for key, vs := range q {
		op, ok := strings.CutPrefix(key, "created")
		if !ok || (op != "" && !(strings.HasPrefix(op, "[") && strings.HasSuffix(op, "]"))) {
			continue
		}
		op = strings.Trim(op, "[]")
		v := vs[0]
		if v == "" {
			return c, invalidRequest(http.StatusBadRequest, "parameter_invalid_empty", key,
				fmt.Sprintf("You passed an empty string for '%s'. We assume empty values are an attempt to unset a parameter; however '%s' cannot be unset. You should remove '%s' from your request or supply a non-empty value.", key, key, key))
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil && op != "" && op != "gt" && op != "gte" && op != "lt" && op != "lte" {
			err = nil // the unknown key is the error to report
		}
		if err != nil {
			return c, invalidRequest(http.StatusBadRequest, "parameter_invalid_integer", key, "Invalid integer: "+v)
		}
		switch op {
		case "":
			plain = true
			c.min, c.max = max(c.min, n), min(c.max, n)
		case "gt":
			hash = true
			if n == math.MaxInt64 {
				c.min = n // nothing is created after the end of time
				c.max = math.MinInt64
			} else {
				c.min = max(c.min, n+1)
			}
		case "gte":
			hash = true
			c.min = max(c.min, n)
		case "lt":
			hash = true
			if n == math.MinInt64 {
				c.max, c.min = n, math.MaxInt64
			} else {
				c.max = min(c.max, n-1)
			}
		case "lte":
			hash = true
			c.max = min(c.max, n)
		default:
			return c, invalidRequest(http.StatusBadRequest, "parameter_unknown", key, "Received unknown parameter: "+key)
		}
	}
	if plain && hash {
		return c, invalidRequest(http.StatusBadRequest, "", "created",
			"Invalid created: must be an integer or a hash of gt, gte, lt and lte, not both.")
	}
	return c, nil
}
