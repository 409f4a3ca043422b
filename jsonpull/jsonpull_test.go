package jsonpull

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func cursor(s string) *Cursor { return &Cursor{Data: []byte(s)} }

func TestStrings(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  string
		flags StrFlags
	}{
		{`""`, "", 0},
		{`"plain id_1"`, "plain id_1", 0},
		{` "after space"`, "after space", 0},
		{`"a\"b"`, `a"b`, Escaped},
		{`"a\\"`, `a\`, Escaped},
		{`"\\\""`, `\"`, Escaped},
		{`"\/\b\f\n\r\t"`, "/\b\f\n\r\t", Escaped},
		{`"\u00e9\u00E9"`, "éé", Escaped},
		{`"\ud83d\ude00"`, "😀", Escaped},         // a surrogate pair
		{`"\ud83d x"`, "\ufffd x", Escaped},      // a lone high surrogate
		{`"\ude00"`, "\ufffd", Escaped},          // a lone low surrogate
		{`"\ud83d\u0041"`, "\ufffdA", Escaped},   // a high surrogate, then no low one
		{"\"Zoë\"", "Zoë", NonASCII},             // valid UTF-8, taken as is
		{"\"bad \xff\"", "bad \ufffd", NonASCII}, // invalid UTF-8, replaced
		{`"<b>&amp;"`, "<b>&amp;", HTML},
		{"\"del \x7f\"", "del \x7f", 0},
		{`"x\u003cy"`, "x<y", Escaped},
	} {
		c := cursor(tc.in + ",")
		tok, flags, err := c.RawString()
		if err != nil || flags != tc.flags || string(tok) != strings.TrimSpace(tc.in) || c.Data[c.Pos] != ',' {
			t.Errorf("RawString(%q) = %q %b %v, at %d", tc.in, tok, flags, err, c.Pos)
			continue
		}
		got, err := (&Cursor{Data: []byte(tc.in)}).Str()
		var std string
		if json.Unmarshal([]byte(tc.in), &std) != nil || err != nil || got != tc.want || got != std {
			t.Errorf("Str(%q) = %q %v, want %q (encoding/json %q)", tc.in, got, err, tc.want, std)
		}
	}
}

func TestStringsRefused(t *testing.T) {
	for _, in := range []string{
		`"unterminated`, `"ends in escape\`, `"ends in escape\"`, `"\x"`, `"\u12"`, `"\u12g4"`, `"\U0041"`,
		"\"tab\tinside\"", "\"nl\ninside\"", "\"nul\x00\"", `'single'`, `x`, ``, `"\u00`,
	} {
		c := cursor(in)
		if tok, _, err := c.RawString(); err == nil {
			t.Errorf("RawString(%q) = %q, want an error", in, tok)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("%q is valid JSON", in)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, in := range []string{"0", "-0", "7", "-12", "1.5", "0.25", "1e9", "1E+9", "2.5e-3", "123456789012345678901234567890"} {
		c := cursor(" " + in + "}")
		lit, err := c.Number()
		if err != nil || string(lit) != in || c.Data[c.Pos] != '}' {
			t.Errorf("Number(%q) = %q %v", in, lit, err)
		}
	}
	for _, in := range []string{"", "-", "+1", ".5", "1.", "1e", "1e+", "-x", "x"} {
		if lit, err := cursor(in).Number(); err == nil {
			t.Errorf("Number(%q) = %q, want an error", in, lit)
		}
	}
	// Number reads JSON's form and stops: a leading zero ends the number.
	c := cursor("012")
	if lit, err := c.Number(); err != nil || string(lit) != "0" || c.Pos != 1 {
		t.Errorf("Number(012) = %q %v at %d", lit, err, c.Pos)
	}
	for in, want := range map[string]int64{"42": 42, "-9223372036854775808": -9223372036854775808, "null": 0, " 0": 0} {
		if n, err := cursor(in).Int(); err != nil || n != want {
			t.Errorf("Int(%q) = %d %v", in, n, err)
		}
	}
	for _, in := range []string{"9223372036854775808", "1.5", "1e3", `"1"`, "nul", "true"} {
		if n, err := cursor(in).Int(); err == nil {
			t.Errorf("Int(%q) = %d, want an error", in, n)
		}
	}
}

func TestLiterals(t *testing.T) {
	if b, err := cursor(" true").Bool(); !b || err != nil {
		t.Error("true")
	}
	if b, err := cursor("false").Bool(); b || err != nil {
		t.Error("false")
	}
	for _, in := range []string{"null", "tru", "fals", "1", ""} {
		if _, err := cursor(in).Bool(); err == nil {
			t.Errorf("Bool(%q) read", in)
		}
	}
	if c := cursor(" null,"); !c.Null() || c.Pos != 5 {
		t.Error("null")
	}
	if c := cursor("nul"); c.Null() || c.Pos != 0 {
		t.Error("a truncated null read")
	}
	if c := cursor(`"null"`); c.Null() {
		t.Error("a string read as null")
	}
}

// nested is a value of every kind, nested, with brackets and quotes inside
// strings.
const nested = `{"a": [1, -2.5e3, true, false, null, "x]}\"{["], "b": {"c": {"d": [[], {}, [{"e": "\u00e9"}]]}},
	"": ""}`

func TestSkip(t *testing.T) {
	for _, skip := range []func(*Cursor) error{(*Cursor).SkipFast, func(c *Cursor) error { return c.Skip(0) }} {
		for _, in := range []string{nested, `"s"`, `0`, `-1.5`, `true`, `false`, `null`, `[]`, `{}`, ` [ [ ] , { } ] `} {
			c := cursor(in + ` ,"next"`)
			if err := skip(c); err != nil || c.Peek() != ',' {
				t.Errorf("skip(%q): %v, at %q", in, err, c.Data[c.Pos:])
			}
		}
		// Truncated anywhere, a container is refused.
		for n := range len(nested) - 1 {
			if err := skip(cursor(nested[:n])); err == nil {
				t.Errorf("skip read a truncated value %q", nested[:n])
			}
		}
		for _, in := range []string{``, `}`, `]`, `,`, `:`, `x`, `nul`, `tru`, `-`, `"\q"`, "[\"\x01\"]"} {
			if err := skip(cursor(in)); err == nil {
				t.Errorf("skip read %q", in)
			}
		}
	}
	// Skip checks what SkipFast leaves: the inside of containers.
	for _, in := range []string{`[1 2]`, `{"a" 1}`, `[1,]`, `{"a":1,}`, `[tru]`, `{1:2}`, `[01]`, `[}`, `{"a":]`} {
		if err := cursor(in).Skip(0); err == nil {
			t.Errorf("Skip read %q", in)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("%q is valid JSON", in)
		}
	}
}

func TestDepth(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)
	if err := cursor(deep).Skip(0); err == nil {
		t.Error("Skip read nesting deeper than MaxDepth")
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if err := cursor(ok).Skip(MaxDepth - 100); err != nil {
		t.Errorf("Skip: %v", err)
	}
	if err := cursor(ok).Skip(MaxDepth - 98); err == nil {
		t.Error("depth counted from the value, not the document")
	}
}

func TestAnyAsEncodingJSON(t *testing.T) {
	c := cursor(nested)
	got, err := c.Any(0)
	if err != nil || c.End() != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(nested))
	d.UseNumber()
	var want any
	if err := d.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Any: %#v\nencoding/json: %#v", got, want)
	}
}

func TestObjectAndArray(t *testing.T) {
	c := cursor(` {"id": "x", "n\u0061me": "y", "list": [1, 2, 3], "none": {}} `)
	var keys []string
	var sum int64
	err := c.Object(func(k []byte) error {
		keys = append(keys, string(k))
		if string(k) != "list" {
			return c.SkipFast()
		}
		return c.Array(func() error {
			n, err := c.Int()
			sum += n
			return err
		})
	})
	if err != nil || c.End() != nil || strings.Join(keys, ",") != "id,name,list,none" || sum != 6 {
		t.Fatalf("%v %q %d", err, keys, sum)
	}
	for _, in := range []string{`{"a":1,}`, `{"a" 1}`, `{"a":1`, `[1,2`, `{,}`, `{"a":1 "b":2}`} {
		c := cursor(in)
		err := c.Object(func([]byte) error { return c.Skip(1) })
		if bytes.HasPrefix(c.Data, []byte("[")) {
			c.Pos = 0
			err = c.Array(func() error { return c.Skip(1) })
		}
		if err == nil {
			t.Errorf("read %q", in)
		}
	}
	if more, err := cursor("[ ]").Enter('['); more || err != nil {
		t.Error("an empty array has a member")
	}
	if _, err := cursor("{").Enter('['); err == nil {
		t.Error("Enter took the wrong bracket")
	}
	if err := cursor(" 1 x").End(); err == nil {
		t.Error("End with bytes left")
	}
}

// FuzzAny checks the cursor against encoding/json on any bytes: it reads
// exactly the valid documents, to the same value, and SkipFast passes over
// every valid one.
func FuzzAny(f *testing.F) {
	for _, s := range []string{nested, `"\ud83d\ude00"`, `[1e400, -0, 0.5]`, "\"\xff\"", `{"a":1,"a":2}`, `[01]`, ` `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &Cursor{Data: b}
		got, err := c.Any(0)
		if err == nil {
			err = c.End()
		}
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("%q: read %v, valid JSON %v", b, err, valid)
		}
		if err != nil {
			return
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v, encoding/json %#v (%v)", b, got, want, err)
		}
		if c := (&Cursor{Data: b}); c.SkipFast() != nil || c.End() != nil {
			t.Fatalf("%q: SkipFast stopped at %d", b, c.Pos)
		}
	})
}
