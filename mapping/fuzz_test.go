package mapping

import (
	"encoding/json"
	"testing"
)

// A stored mapping document either parses or is refused with an error;
// one that parses survives a write and a read unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"identity":{"by":"email"}}`, `{"plans":{"rows":[{"app_value":"pro","price_ids":["price_1"]}]}}`, `{"policy":{"past_due_grace_days":-1}}`, `[`, `null`, `{"access":{"fields":{"plan":"public_metadata.plan"}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := Parse(doc)
		if err != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("parsed %q but cannot write it: %v", doc, err)
		}
		m2, err := Parse(string(out))
		if err != nil {
			t.Fatalf("wrote %s but cannot read it back: %v", out, err)
		}
		out2, _ := json.Marshal(m2)
		if string(out) != string(out2) {
			t.Fatalf("round trip changed the mapping:\n%s\n%s", out, out2)
		}
	})
}
