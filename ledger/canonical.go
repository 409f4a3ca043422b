package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"parityrail/jsonpull"
)

// Canonical returns v as JSON with object keys sorted at every level, so the
// same content always hashes the same. Its bytes are defined as those of
// encoding/json re-encoding the generic decoding of json.Marshal(v) (maps
// sorted by key, every number a float64): canonicalGeneric, the original
// implementation. A ledger entry is hashed over them, so they never change.
//
// canonicalize produces the same bytes from json.Marshal(v) in one pass,
// without building the generic value: a full check ledgers a promise per
// customer and the round trip was most of its ledger cost. Anything it does
// not handle byte for byte (duplicate keys, unusual number forms, input it
// cannot tokenise) falls back to canonicalGeneric; canonical_test.go checks
// the two agree over a wide set of values and a fuzz corpus.
func Canonical(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("ledger detail: %w", err)
	}
	if out, ok := canonicalize(b); ok {
		return out, nil
	}
	return canonicalGeneric(b)
}

// canonicalGeneric is the reference definition: decode generically, encode
// again (encoding/json sorts map keys).
func canonicalGeneric(b []byte) (json.RawMessage, error) {
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, fmt.Errorf("ledger detail: %w", err)
	}
	out, err := json.Marshal(generic)
	if err != nil {
		return nil, fmt.Errorf("ledger detail: %w", err)
	}
	return out, nil
}

// canonicalize rewrites JSON (as json.Marshal writes it) into canonical
// form; ok is false when the caller must use canonicalGeneric instead.
func canonicalize(src []byte) (json.RawMessage, bool) {
	c := canonicalizer{Cursor: jsonpull.Cursor{Data: src}, out: make([]byte, 0, len(src)+8)}
	if !c.value() || c.End() != nil {
		return nil, false
	}
	return c.out, true
}

// canonicalizer reads src with a jsonpull cursor and writes out.
type canonicalizer struct {
	jsonpull.Cursor
	out []byte
}

// member is one object member written to out: out[from:to] is its encoded
// key, colon and value; key is the decoded key the members sort by.
type member struct {
	key      []byte
	from, to int
}

func (c *canonicalizer) value() bool {
	switch ch := c.Peek(); {
	case ch == '{':
		return c.object()
	case ch == '[':
		return c.array()
	case ch == '"':
		tok, flags, err := c.RawString()
		if err != nil {
			return false
		}
		_, ok := c.str(tok, flags)
		return ok
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	}
	return false
}

func (c *canonicalizer) literal(lit string) bool {
	if c.Literal(lit) != nil {
		return false
	}
	c.out = append(c.out, lit...)
	return true
}

func (c *canonicalizer) array() bool {
	c.out = append(c.out, '[')
	more, err := c.Enter('[')
	for first := true; more && err == nil; more, err = c.Next(']') {
		if !first {
			c.out = append(c.out, ',')
		}
		first = false
		if !c.value() {
			return false
		}
	}
	c.out = append(c.out, ']')
	return err == nil
}

func (c *canonicalizer) object() bool {
	c.out = append(c.out, '{')
	start := len(c.out)
	var small [8]member
	members := small[:0]
	more, err := c.Enter('{')
	for ; more && err == nil; more, err = c.Next('}') {
		if len(members) > 0 {
			c.out = append(c.out, ',')
		}
		from := len(c.out)
		tok, flags, err := c.Key()
		if err != nil {
			return false
		}
		key, ok := c.str(tok, flags)
		if !ok {
			return false
		}
		c.out = append(c.out, ':')
		if !c.value() {
			return false
		}
		members = append(members, member{key: key, from: from, to: len(c.out)})
	}
	if err != nil {
		return false
	}
	sorted := true
	for k := 1; k < len(members); k++ {
		switch bytes.Compare(members[k-1].key, members[k].key) {
		case 0:
			return false // a duplicate key: the generic decoding keeps the last
		case 1:
			sorted = false
		}
	}
	if !sorted {
		written := slices.Clone(c.out[start:])
		slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
		for k := 1; k < len(members); k++ {
			if bytes.Equal(members[k-1].key, members[k].key) {
				return false
			}
		}
		c.out = c.out[:start]
		for k, m := range members {
			if k > 0 {
				c.out = append(c.out, ',')
			}
			c.out = append(c.out, written[m.from-start:m.to-start]...)
		}
	}
	c.out = append(c.out, '}')
	return true
}

// str writes the string literal tok as encoding/json encodes its decoding
// and returns the decoded bytes. Plain printable ASCII without the bytes
// json.Marshal escapes (what it writes for nearly every key and value) is
// copied; anything else is decoded and encoded by encoding/json itself.
func (c *canonicalizer) str(tok []byte, flags jsonpull.StrFlags) ([]byte, bool) {
	if flags == 0 {
		c.out = append(c.out, tok...)
		return tok[1 : len(tok)-1], true
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return nil, false
	}
	enc, err := json.Marshal(s)
	if err != nil {
		return nil, false
	}
	c.out = append(c.out, enc...)
	return []byte(s), true
}

// number writes the number that comes next as encoding/json encodes it
// once decoded into a float64. An integer of at most 15 digits is exact in
// a float64 and encodes as written; anything else goes through ParseFloat
// and encoding/json's float encoding.
func (c *canonicalizer) number() bool {
	tok, err := c.Number()
	if err != nil {
		return false // the generic path reports it
	}
	if shortInteger(tok) {
		c.out = append(c.out, tok...)
		return true
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false // the generic path reports it
	}
	enc, err := json.Marshal(f)
	if err != nil {
		return false
	}
	c.out = append(c.out, enc...)
	return true
}

// shortInteger reports whether tok is -?(0|[1-9][0-9]{0,14}).
func shortInteger(tok []byte) bool {
	if len(tok) > 0 && tok[0] == '-' {
		tok = tok[1:]
	}
	if len(tok) == 0 || len(tok) > 15 || len(tok) > 1 && tok[0] == '0' {
		return false
	}
	for _, ch := range tok {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}
