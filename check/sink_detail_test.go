package check

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"parityrail/ledger"
)

// promiseDetail must ledger exactly the bytes the map it replaced did:
// {"to": summary} or {"to": summary, "from": previous}, through
// ledger.Canonical (and even before it, through json.Marshal).
func TestPromiseDetailMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 3))
	parts := []string{"a", "pro", "<b>", "&", "\"", "\\", "é", "\u2028", "\n", "\xff", "price_1", " "}
	str := func() string {
		var sb strings.Builder
		for n := r.IntN(4); n > 0; n-- {
			sb.WriteString(parts[r.IntN(len(parts))])
		}
		return sb.String()
	}
	strs := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	summary := func() promiseSummary {
		s := promiseSummary{Grants: r.IntN(2) == 0, Pending: r.IntN(2) == 0, Plan: str(), PlanKnown: r.IntN(2) == 0,
			UnmappedPrices: strs(), Trial: r.IntN(2) == 0, Features: strs(), Deleted: r.IntN(2) == 0, Reason: str()}
		if r.IntN(2) == 0 {
			te := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("z", r.IntN(20)*1800-36000))
			s.TrialEnd = &te
		}
		return s
	}
	for i := 0; i < 5000; i++ {
		sum := summary()
		var previous *promiseSummary
		old := map[string]any{"to": sum}
		if r.IntN(2) == 0 {
			p := summary()
			previous = &p
			old["from"] = previous
		}
		b, err := json.Marshal(sum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := promiseDetail(b, previous)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := json.Marshal(old); !bytes.Equal(got, want) {
			t.Fatalf("detail\n got %s\nwant %s", got, want)
		}
		gc, err1 := ledger.Canonical(got)
		wc, err2 := ledger.Canonical(old)
		if err1 != nil || err2 != nil || !bytes.Equal(gc, wc) {
			t.Fatalf("canonical\n got %s (%v)\nwant %s (%v)", gc, err1, wc, err2)
		}
	}
}
