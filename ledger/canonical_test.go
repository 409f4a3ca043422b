package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// canonicalOld is Canonical as it was before the one-pass path: marshal,
// then canonicalGeneric (the round trip, still the fallback). Every stored
// ledger detail was produced by it, so the new path must give the same
// bytes (or the same failure) for every input.
func canonicalOld(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("ledger detail: %w", err)
	}
	return canonicalGeneric(b)
}

func sameAsOld(t *testing.T, v any) {
	t.Helper()
	want, werr := canonicalOld(v)
	got, gerr := Canonical(v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%#v: error %v, old path %v", v, gerr, werr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%#v:\n got %s\nwant %s", v, got, want)
	}
}

// A promise summary as the check ledgers it (check/convert.go).
type summaryShape struct {
	Grants         bool       `json:"grants"`
	Pending        bool       `json:"pending,omitempty"`
	Plan           string     `json:"plan,omitempty"`
	PlanKnown      bool       `json:"plan_known"`
	UnmappedPrices []string   `json:"unmapped_prices,omitempty"`
	Trial          bool       `json:"trial,omitempty"`
	TrialEnd       *time.Time `json:"trial_end,omitempty"`
	Features       []string   `json:"features,omitempty"`
	Deleted        bool       `json:"deleted,omitempty"`
	Reason         string     `json:"reason"`
}

type embedded struct {
	B string `json:"b"`
	A int    `json:"a"`
}

type withEmbedded struct {
	embedded
	Z   float64         `json:"z"`
	Raw json.RawMessage `json:"raw,omitempty"`
	Any any             `json:"any"`
	U   uint64          `json:"u"`
	S   string          `json:"s,string"`
	I   int64           `json:"i,string"`
}

func TestCanonicalMatchesOldFixed(t *testing.T) {
	end := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.FixedZone("x", 3600))
	cases := []any{
		nil, 1, -0.0, math.Copysign(0, -1), "", "a", true, false, []int{}, []int(nil), map[string]any{},
		map[string]any(nil), struct{}{}, []any{nil, 1, "x"},
		1e21, 1e20, 123456789012345678, int64(math.MaxInt64), uint64(math.MaxUint64), -int64(1) << 53, 1<<53 + 1,
		999999999999999, 9999999999999999, 0.1, 1e-6, 1e-7, 5e-324, math.MaxFloat64, 1.5e300, -2.5e-10, float32(0.1),
		"<script>&amp;</script>", "line\nbreak\ttab\x01", "caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf8",
		"quote\" back\\slash /", "\x7f del",
		map[string]any{"to": summaryShape{Grants: true, Plan: "pro", PlanKnown: true, Reason: "active subscription"},
			"from": summaryShape{Trial: true, TrialEnd: &end, Features: []string{"b", "a"}, UnmappedPrices: []string{"price_1"}, Reason: "trialing"}},
		map[string]any{"b": 1, "a": map[string]any{"y": []any{map[string]any{"d": 1, "c": 2}}, "x": nil}},
		map[string]any{"é": 1, "e": 2, "E": 3, "\u00e9\u0301": 4, "<": 5, "&": 6, "": 7, "a\"b": 8, "a\\b": 9},
		withEmbedded{embedded: embedded{B: "b", A: 1}, Z: 1e-9, Raw: json.RawMessage(` { "z" : 1.0 , "a" : [ 1e2 , -0 , 0.5E1 ] } `),
			Any: map[int]string{2: "two", 10: "ten"}, U: 1 << 60, S: "str", I: 42},
		withEmbedded{Raw: json.RawMessage(`{"a":1,"a":2}`)},
		withEmbedded{Raw: json.RawMessage(`{"\u0061":1,"a":2}`)},
		withEmbedded{Raw: json.RawMessage(`{"k\u00e9y":"\u0041\/\ud83d\ude00\ud800","b":"\u003c"}`)},
		withEmbedded{Raw: json.RawMessage(`[1e400]`)},
		withEmbedded{Raw: json.RawMessage(`{"n":-1.000000000000000000001,"m":100000000000000000000000,"o":0.000001,"p":1E-7}`)},
		json.RawMessage(`{"b":{"d":[{"f":1,"e":2}],"c":true},"a":null}`),
		math.NaN(),
		map[string]any{"f": math.Inf(1)},
	}
	for _, v := range cases {
		sameAsOld(t, v)
	}
}

// TestCanonicalMatchesOldRandom compares the paths over many generated
// values: nested maps, slices and structs of the shapes the app ledgers,
// with keys and strings drawn to hit escaping, ordering and number edges.
func TestCanonicalMatchesOldRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 1))
	for i := 0; i < 20000; i++ {
		sameAsOld(t, randomValue(r, 4))
	}
}

var pieces = []string{"a", "b", "z", "A", "_", "0", "9", " ", "é", "\u2028", "<", ">", "&", "\"", "\\", "/", "\n", "\x00",
	"\x7f", "\xff", "😀", "kind", "to", "from", "api_key_name", "\u00e9", "e\u0301", "~", "{", "}", "[", ":", ","}

func randomString(r *rand.Rand) string {
	var sb strings.Builder
	for n := r.IntN(5); n > 0; n-- {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

func randomNumber(r *rand.Rand) any {
	switch r.IntN(9) {
	case 0:
		return r.Int64N(2000) - 1000
	case 1:
		return r.Int64()
	case 2:
		return r.Uint64()
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	case 4:
		return float32(r.NormFloat64())
	case 5:
		return int64(r.IntN(1<<20)) << r.IntN(43) // around 2^53
	case 6:
		return json.Number([]string{"1.0", "-0", "1e2", "0.000001", "1E-7", "123456789012345678901", "-0.0", "2.50"}[r.IntN(8)])
	case 7:
		return r.Float64() * 1e22
	default:
		return r.IntN(10)
	}
}

func randomValue(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth == 0 {
		k = r.IntN(4)
	}
	switch k {
	case 0:
		return randomString(r)
	case 1:
		return randomNumber(r)
	case 2:
		return r.IntN(2) == 0
	case 3:
		return nil
	case 4, 5:
		m := map[string]any{}
		for n := r.IntN(6); n > 0; n-- {
			m[randomString(r)] = randomValue(r, depth-1)
		}
		return m
	case 6:
		s := make([]any, r.IntN(4))
		for j := range s {
			s[j] = randomValue(r, depth-1)
		}
		return s
	case 7:
		var end *time.Time
		if r.IntN(2) == 0 {
			e := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
			end = &e
		}
		return summaryShape{Grants: r.IntN(2) == 0, Pending: r.IntN(3) == 0, Plan: randomString(r), PlanKnown: r.IntN(2) == 0,
			Trial: end != nil, TrialEnd: end, Features: []string{randomString(r), randomString(r)}[:r.IntN(3)], Reason: randomString(r)}
	case 8:
		return withEmbedded{embedded: embedded{B: randomString(r), A: r.IntN(100)}, Z: r.NormFloat64(), Any: randomValue(r, depth-1),
			U: r.Uint64(), S: randomString(r), I: r.Int64()}
	default:
		// Raw JSON with whitespace, escapes, unsorted and duplicate keys.
		b, _ := json.MarshalIndent(randomValue(r, depth-1), "", " ")
		if r.IntN(4) == 0 {
			b = []byte(fmt.Sprintf(`{"k":%s,"j":1,"k":2}`, b))
		}
		return json.RawMessage(b)
	}
}

// FuzzCanonical feeds arbitrary JSON (as a raw message, so it reaches the
// canonicaliser with its own spacing, escapes and number forms).
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":1,"a":[1.0,-0,1e400]}`, `"\u00e9\/"`, `{"a":1,"a":2}`, `[1E+21, 0.0000001]`,
		`{"\u0061":{"y":null,"x":true}}`, "\"\xff\"", `{"k":"<&>"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		sameAsOld(t, json.RawMessage(b))
	})
}

func BenchmarkCanonicalPromise(b *testing.B) {
	end := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	v := map[string]any{"to": summaryShape{Grants: true, Plan: "pro", PlanKnown: true, Features: []string{"api", "sso"}, Reason: "active subscription"},
		"from": summaryShape{Trial: true, TrialEnd: &end, Reason: "trialing"}}
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			Canonical(v)
		}
	})
	b.Run("old", func(b *testing.B) {
		for b.Loop() {
			canonicalOld(v)
		}
	})
}

// hashOld is Hash as it was before hashContent, kept verbatim.
func hashOld(e Entry) string {
	content, _ := json.Marshal([]any{
		e.PrevHash, e.ProjectID, e.N, e.At.UTC().Format(TimeFormat), string(e.Kind),
		e.CustomerID, e.SubjectKey, e.IncidentID, e.CheckID, e.Actor, string(e.Detail),
	})
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// TestHashMatchesOld: every stored hash was computed by hashOld; Hash must
// give the same for any entry, whatever its strings hold.
func TestHashMatchesOld(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("a", -7*3600), time.FixedZone("b", 5*3600+1800)}
	for i := 0; i < 20000; i++ {
		detail, err := Canonical(randomValue(r, 3))
		if err != nil {
			continue
		}
		if r.IntN(10) == 0 {
			detail = json.RawMessage(randomString(r)) // not even JSON: hashed as stored
		}
		e := Entry{Seq: r.Int64(), ProjectID: "prj_" + randomString(r), N: r.Int64() - r.Int64(),
			At:   time.Unix(r.Int64N(1e10)-1e9, r.Int64N(1e9)).In(zones[r.IntN(len(zones))]),
			Kind: Kind(randomString(r)), CustomerID: randomString(r), SubjectKey: randomString(r), IncidentID: randomString(r),
			CheckID: randomString(r), Actor: randomString(r), Detail: detail, PrevHash: randomString(r)}
		if got, want := Hash(e), hashOld(e); got != want {
			t.Fatalf("%+v: hash %s, old %s", e, got, want)
		}
		want, _ := json.Marshal([]any{e.PrevHash, e.ProjectID, e.N, e.At.UTC().Format(TimeFormat), string(e.Kind),
			e.CustomerID, e.SubjectKey, e.IncidentID, e.CheckID, e.Actor, string(e.Detail)})
		if got := hashContent(e); !bytes.Equal(got, want) {
			t.Fatalf("content\n got %s\nwant %s", got, want)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	d, _ := Canonical(map[string]any{"to": summaryShape{Grants: true, Plan: "pro", PlanKnown: true, Reason: "active subscription <pro>"}})
	e := Entry{ProjectID: "prj_0123456789", N: 123456, At: time.Now(), Kind: PromiseChanged, CustomerID: "cus_Q1w2e3r4t5y6u7",
		CheckID: "chk_0123456789", Actor: "schedule", Detail: d, PrevHash: Genesis}
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			Hash(e)
		}
	})
	b.Run("old", func(b *testing.B) {
		for b.Loop() {
			hashOld(e)
		}
	})
}
