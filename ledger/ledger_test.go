package ledger

import (
	"encoding/json"
	"testing"
	"time"
)

func chain(n int) []Entry {
	prev := Genesis
	var out []Entry
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		d, _ := Canonical(map[string]any{"i": i, "b": "x", "a": []int{1}})
		e := Entry{Seq: int64(i * 10), ProjectID: "prj_1", N: int64(i), At: at.Add(time.Duration(i) * time.Second),
			Kind: IncidentOpened, CustomerID: "cus_1", Detail: d}
		Seal(&e, prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []Entry) *Break {
	v := NewVerifier("prj_1")
	for _, e := range entries {
		v.Add(e)
	}
	return v.Broken
}

func TestIntactChain(t *testing.T) {
	if b := verify(chain(5)); b != nil {
		t.Fatalf("intact chain reported broken: %v", b)
	}
}

func TestCanonicalSortsKeys(t *testing.T) {
	a, _ := Canonical(struct {
		Z int `json:"z"`
		A int `json:"a"`
	}{1, 2})
	if string(a) != `{"a":2,"z":1}` {
		t.Fatalf("canonical = %s", a)
	}
}

func TestBreaks(t *testing.T) {
	cases := map[string]struct {
		mutate func([]Entry) []Entry
		n      int64
	}{
		"edited detail": {func(es []Entry) []Entry { es[2].Detail = json.RawMessage(`{"i":99}`); return es }, 3},
		"edited kind":   {func(es []Entry) []Entry { es[1].Kind = IncidentResolved; return es }, 2},
		"removed entry": {func(es []Entry) []Entry { return append(es[:2:2], es[3:]...) }, 4},
		"rehashed edit": {func(es []Entry) []Entry {
			// An attacker who recomputes the edited entry's hash still breaks
			// the next link.
			es[1].Actor = "mallory"
			es[1].Hash = Hash(es[1])
			return es
		}, 3},
		"swapped": {func(es []Entry) []Entry { es[1], es[2] = es[2], es[1]; return es }, 3},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b := verify(c.mutate(chain(5)))
			if b == nil || b.N != c.n {
				t.Fatalf("break = %+v, want at entry %d", b, c.n)
			}
		})
	}
}

func TestCheckEntry(t *testing.T) {
	es := chain(3)
	if s := CheckEntry(es[1], es[0].Hash, true); s != "intact" {
		t.Fatal(s)
	}
	es[1].Detail = json.RawMessage(`{}`)
	if s := CheckEntry(es[1], es[0].Hash, true); s != "edited" {
		t.Fatal(s)
	}
	if s := CheckEntry(es[2], "nope", true); s != "broken" {
		t.Fatal(s)
	}
}
