package stripefake

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"

	"parityrail/jsonpull"

	stripe "github.com/stripe/stripe-go/v76"
)

// Rendering a stored object is the fake's hot path (a full read of a big
// account renders every object), so it works on a light JSON tree instead of
// map[string]any: the stripe-go value is marshalled once, parsed into
// jvals that point into those bytes, rewritten in place (references
// collapsed or expanded, Stripe's nulls), and written out indented with
// keys in sorted order — the same bytes encoding/json produced from maps.

type jkind uint8

const (
	jRaw jkind = iota // a literal: string (quoted), number, true, false, null
	jObj
	jArr
)

// jval is one JSON value; an array's elements are kids with empty keys.
type jval struct {
	k    jkind
	raw  []byte
	kids []jfield
}

type jfield struct {
	key    []byte // the key's value, unquoted
	quoted []byte // the key as marshalled, when it has escapes
	v      jval
	del    bool
}

var (
	rawNull     = []byte("null")
	rawEmptyStr = []byte(`""`)
	rawZero     = []byte("0")
	rawFalse    = []byte("false")
	rawTrue     = []byte("true")
	rawList     = []byte(`"list"`)
	errBadJSON  = errors.New("stripefake: unexpected JSON from marshal")
)

func (v *jval) field(key string) *jfield {
	for i := range v.kids {
		if !v.kids[i].del && string(v.kids[i].key) == key {
			return &v.kids[i]
		}
	}
	return nil
}

func (v *jval) set(key string, val jval) {
	if f := v.field(key); f != nil {
		f.v = val
		return
	}
	v.kids = append(v.kids, jfield{key: []byte(key), v: val})
}

func (v *jval) remove(key string) {
	if f := v.field(key); f != nil {
		f.del = true
	}
}

// objectTypeOf is the object's "object" string, or fallback.
func (v *jval) objectTypeOf(fallback string) string {
	if f := v.field("object"); f != nil && f.v.k == jRaw && len(f.v.raw) > 2 && f.v.raw[0] == '"' {
		if s := unquote(f.v.raw); s != "" {
			return s
		}
	}
	return fallback
}

// unquote is a JSON string literal's value.
func unquote(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// parseJSON parses compact or indented JSON into a tree pointing into b.
func parseJSON(b []byte) (jval, error) {
	p := jparser{Cursor: jsonpull.Cursor{Data: b}}
	v, err := p.value()
	if err != nil || p.End() != nil {
		return jval{}, errBadJSON
	}
	return v, nil
}

type jparser struct {
	jsonpull.Cursor
	// stack collects the members of the containers being parsed, so each
	// container's kids are allocated once at their final size.
	stack []jfield
}

// done moves the members collected since mark into their own slice.
func (p *jparser) done(mark int) []jfield {
	kids := make([]jfield, len(p.stack)-mark)
	copy(kids, p.stack[mark:])
	clear(p.stack[mark:])
	p.stack = p.stack[:mark]
	return kids
}

func (p *jparser) value() (jval, error) {
	switch p.Peek() {
	case '{':
		v := jval{k: jObj}
		mark := len(p.stack)
		more, err := p.Enter('{')
		for ; more && err == nil; more, err = p.Next('}') {
			ks, flags, err := p.Key()
			if err != nil {
				return jval{}, err
			}
			key, quoted := ks[1:len(ks)-1], []byte(nil)
			if flags&jsonpull.Escaped != 0 {
				key, quoted = []byte(unquote(ks)), ks
			}
			val, err := p.value()
			if err != nil {
				return jval{}, err
			}
			p.stack = append(p.stack, jfield{key: key, quoted: quoted, v: val})
		}
		if len(p.stack) > mark {
			v.kids = p.done(mark)
		}
		return v, err
	case '[':
		v := jval{k: jArr}
		mark := len(p.stack)
		more, err := p.Enter('[')
		for ; more && err == nil; more, err = p.Next(']') {
			val, err := p.value()
			if err != nil {
				return jval{}, err
			}
			p.stack = append(p.stack, jfield{v: val})
		}
		if len(p.stack) > mark {
			v.kids = p.done(mark)
		}
		return v, err
	case '"':
		s, _, err := p.RawString()
		return jval{k: jRaw, raw: s}, err
	default:
		start := p.Pos
		err := p.Skip(0) // a number, true, false or null
		return jval{k: jRaw, raw: p.Data[start:p.Pos]}, err
	}
}

// writeIndented writes v the way encoding/json's Encoder with
// SetIndent("", "  ") writes the equivalent maps: keys sorted.
func writeIndented(buf *bytes.Buffer, v *jval, depth int) {
	switch v.k {
	case jRaw:
		buf.Write(v.raw)
	case jArr:
		if len(v.kids) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i := range v.kids {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, depth+1)
			writeIndented(buf, &v.kids[i].v, depth+1)
		}
		newline(buf, depth)
		buf.WriteByte(']')
	case jObj:
		kids := make([]*jfield, 0, len(v.kids))
		for i := range v.kids {
			if !v.kids[i].del {
				kids = append(kids, &v.kids[i])
			}
		}
		if len(kids) == 0 {
			buf.WriteString("{}")
			return
		}
		slices.SortFunc(kids, func(a, b *jfield) int { return bytes.Compare(a.key, b.key) })
		buf.WriteByte('{')
		for i, f := range kids {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(buf, depth+1)
			if f.quoted != nil {
				buf.Write(f.quoted)
				buf.WriteString(`: `)
			} else {
				buf.WriteByte('"')
				buf.Write(f.key)
				buf.WriteString(`": `)
			}
			writeIndented(buf, &f.v, depth+1)
		}
		newline(buf, depth)
		buf.WriteByte('}')
	}
}

const indentSpaces = "                                                                "

func newline(buf *bytes.Buffer, depth int) {
	buf.WriteByte('\n')
	for n := 2 * depth; n > 0; {
		k := min(n, len(indentSpaces))
		buf.WriteString(indentSpaces[:k])
		n -= k
	}
}

// rawString is s as a JSON string literal.
func rawString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// render turns a stored stripe-go object into Stripe's JSON: the type
// marshalled as-is, then references collapsed to ids unless expanded.
// Caller holds s.mu (read or write).
func (s *Server) render(kind string, v any, expand []string, need func(string) *apiError) (jval, *apiError) {
	if c, ok := v.(*stripe.Customer); ok && c.Deleted {
		// Stripe keeps only a tombstone of a deleted customer.
		return jval{k: jObj, kids: []jfield{
			{key: []byte("id"), v: jval{raw: rawString(c.ID)}},
			{key: []byte("object"), v: jval{raw: []byte(`"customer"`)}},
			{key: []byte("deleted"), v: jval{raw: rawTrue}},
		}}, nil
	}
	b, err := json.Marshal(v)
	if err == nil {
		var m jval
		if m, err = parseJSON(b); err == nil && m.k == jObj {
			if err := s.walk(&m, m.objectTypeOf(kind), expand, need); err != nil {
				return jval{}, err
			}
			if kind == kindCustomer {
				for i := range m.kids {
					f := &m.kids[i]
					if !f.del && f.v.k == jRaw && bytes.Equal(f.v.raw, rawNull) && slices.Contains(includable, string(f.key)) {
						f.del = true
					}
				}
			}
			return m, nil
		}
		if err == nil {
			err = errBadJSON
		}
	}
	return jval{}, &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: "fake: " + err.Error()}
}

// walk rewrites m in place: expandable references become ids (or the
// referenced object when expanded), nested objects and lists are walked, and
// stripe-go's zero values Stripe sends as null are nulled.
func (s *Server) walk(m *jval, typ string, expand []string, need func(string) *apiError) *apiError {
	renderPriceFields(m, typ, expand)
	refs := expandable[typ]
	for i := range m.kids {
		f := &m.kids[i]
		if f.del {
			continue
		}
		var sub []string
		if len(expand) > 0 {
			sub = subPaths(expand, string(f.key))
		}
		if refKind, isRef := refs[string(f.key)]; isRef {
			if f.v.k != jObj {
				continue // null, or already an id
			}
			id := rawEmptyStr
			if idf := f.v.field("id"); idf != nil && idf.v.k == jRaw && len(idf.v.raw) > 0 && idf.v.raw[0] == '"' {
				id = idf.v.raw
			}
			idVal := jval{raw: id}
			if (len(expand) == 0 || !contains(expand, string(f.key))) && len(sub) == 0 {
				f.v = idVal
				continue
			}
			if refKind == "" {
				f.v = idVal // not something the fake stores
				continue
			}
			if err := need(permByKind[refKind]); err != nil {
				return err
			}
			target, ok := s.getLocked(refKind, unquote(id))
			if !ok {
				f.v = idVal
				continue
			}
			full, err := s.render(refKind, target, sub, need)
			if err != nil {
				return err
			}
			f.v = full
			continue
		}
		switch f.v.k {
		case jObj:
			if data := f.v.field("data"); data != nil && data.v.k == jArr && f.v.field("has_more") != nil {
				f.v.set("object", jval{raw: rawList})
				f.v.remove("total_count") // stripe-go's ListMeta field; Stripe omits it unless asked
				var dataSub []string
				if len(sub) > 0 {
					dataSub = subPaths(sub, "data")
				}
				for j := range data.v.kids {
					if el := &data.v.kids[j].v; el.k == jObj {
						if err := s.walk(el, el.objectTypeOf(""), dataSub, need); err != nil {
							return err
						}
					}
				}
				continue
			}
			if err := s.walk(&f.v, f.v.objectTypeOf(""), sub, need); err != nil {
				return err
			}
		case jRaw:
			raw := f.v.raw
			switch {
			case len(raw) == 0:
			case raw[0] == '"':
				if len(raw) == 2 && string(f.key) != "id" {
					f.v.raw = rawNull // Stripe sends unset strings as null
				}
			case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
				if bytes.Equal(raw, rawZero) && nullIfZero[string(f.key)] {
					f.v.raw = rawNull
				}
			case bytes.Equal(raw, rawFalse):
				if string(f.key) == "deleted" {
					f.del = true // only deleted objects carry "deleted"
				}
			case bytes.Equal(raw, rawNull):
				if string(f.key) == "metadata" {
					f.v = jval{k: jObj}
				}
			}
		}
	}
	return nil
}

// rendered is a rendered response: a list page or one object.
type rendered struct{ v jval }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// listBody is Stripe's list envelope around rendered items.
func listBody(url string, data []jval, hasMore bool) *rendered {
	kids := make([]jfield, len(data))
	for i := range data {
		kids[i].v = data[i]
	}
	hm := rawFalse
	if hasMore {
		hm = rawTrue
	}
	return &rendered{v: jval{k: jObj, kids: []jfield{
		{key: []byte("object"), v: jval{raw: rawList}},
		{key: []byte("data"), v: jval{k: jArr, kids: kids}},
		{key: []byte("has_more"), v: jval{raw: hm}},
		{key: []byte("url"), v: jval{raw: rawString(url)}},
	}}}
}

// toAny converts a rendered value to maps (json.Number for numbers), for
// callers that build on it such as webhook events.
func (v *jval) toAny() (map[string]any, error) {
	buf := new(bytes.Buffer)
	writeIndented(buf, v, 0)
	d := json.NewDecoder(buf)
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}
