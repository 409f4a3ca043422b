// Package jsonpull is the small pull parser behind ParityRail's fast JSON
// paths: the lean decoders of Stripe list pages (billing) and Clerk users
// pages (access/clerk), the one-pass canonicaliser a ledger entry is hashed
// over (ledger), and the fake Stripe's renderer (demo/stripefake). Each is
// on a check's hot path and measured in `make bench`: encoding/json scans
// every byte once to validate it and again through reflection, while a
// cursor over the bytes reads the few fields wanted and skips the rest in
// a tight loop.
//
// It reads, it does not decide: every surprise is ErrSyntax, and each
// caller falls back to encoding/json (or clerk-sdk, or the generic
// canonical form) on it, so a surprise costs speed, never a different
// answer. The primitives are concrete methods on one struct, with no
// interfaces or callbacks on the byte loops, so they stay cheap.
package jsonpull

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrSyntax is every failure: input that is not JSON, or not the JSON the
// caller asked for.
var ErrSyntax = errors.New("jsonpull: unexpected JSON")

// MaxDepth bounds nesting as encoding/json does, so a hostile document
// cannot overflow the stack.
const MaxDepth = 10000

// Cursor reads Data from Pos. Callers may read both (a rewriter copies
// Data[from:Pos] spans), and move Pos only past what they have read.
type Cursor struct {
	Data []byte
	Pos  int
}

// space marks JSON's four whitespace bytes.
var space = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// Space skips whitespace.
func (c *Cursor) Space() {
	for c.Pos < len(c.Data) && space[c.Data[c.Pos]] {
		c.Pos++
	}
}

// Peek skips whitespace and returns the next byte (0 at the end).
func (c *Cursor) Peek() byte {
	c.Space()
	if c.Pos >= len(c.Data) {
		return 0
	}
	return c.Data[c.Pos]
}

// Expect consumes b, which must come next (after whitespace).
func (c *Cursor) Expect(b byte) error {
	if c.Peek() != b {
		return ErrSyntax
	}
	c.Pos++
	return nil
}

// End checks that nothing but whitespace is left.
func (c *Cursor) End() error {
	if c.Peek() != 0 || c.Pos != len(c.Data) {
		return ErrSyntax
	}
	return nil
}

// Literal consumes word (true, false or null), which must come next.
func (c *Cursor) Literal(word string) error {
	c.Space()
	if len(c.Data)-c.Pos < len(word) || string(c.Data[c.Pos:c.Pos+len(word)]) != word {
		return ErrSyntax
	}
	c.Pos += len(word)
	return nil
}

// Null consumes a null if one comes next.
func (c *Cursor) Null() bool {
	return c.Peek() == 'n' && c.Literal("null") == nil
}

// Bool reads true or false.
func (c *Cursor) Bool() (bool, error) {
	switch c.Peek() {
	case 't':
		return true, c.Literal("true")
	case 'f':
		return false, c.Literal("false")
	}
	return false, ErrSyntax
}

// StrFlags says what a string literal holds besides plain ASCII: bytes
// from ' ' to 0x7f (DEL included: JSON and json.Marshal leave it as is)
// other than the quote and the backslash.
type StrFlags uint8

const (
	Escaped  StrFlags = 1 << iota // a backslash escape
	NonASCII                      // a byte of 0x80 or above (UTF-8, valid or not)
	HTML                          // '<', '>' or '&', which json.Marshal escapes
)

// String byte classes: 0 is a byte that needs no care.
const (
	cPlain = iota
	cQuote
	cBackslash
	cControl
	cNonASCII
	cHTML
)

var strClass = func() (t [256]uint8) {
	for b := range 0x20 {
		t[b] = cControl
	}
	for b := 0x80; b < 0x100; b++ {
		t[b] = cNonASCII
	}
	t['"'], t['\\'], t['<'], t['>'], t['&'] = cQuote, cBackslash, cHTML, cHTML, cHTML
	return t
}()

// RawString consumes the string literal that comes next and returns it as
// written, quotes included. Its escapes are checked to be ones JSON allows
// (\uXXXX is four hex digits; surrogates are left to decoding) and a
// control byte inside is an error, as in encoding/json.
func (c *Cursor) RawString() (tok []byte, flags StrFlags, err error) {
	if c.Peek() != '"' {
		return nil, 0, ErrSyntax
	}
	start := c.Pos
	i := start + 1
	for i < len(c.Data) {
		cl := strClass[c.Data[i]]
		if cl == cPlain {
			i++
			continue
		}
		switch cl {
		case cQuote:
			c.Pos = i + 1
			return c.Data[start:c.Pos], flags, nil
		case cBackslash:
			n := escapeLen(c.Data[i:])
			if n == 0 {
				return nil, 0, ErrSyntax
			}
			flags |= Escaped
			i += n
		case cControl:
			return nil, 0, ErrSyntax
		case cNonASCII:
			flags |= NonASCII
			i++
		default:
			flags |= HTML
			i++
		}
	}
	return nil, 0, ErrSyntax
}

// escapeLen is the length of the escape sequence b starts with (at its
// backslash), or 0 when JSON does not allow it.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, h := range b[2:6] {
			if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
				return 0
			}
		}
		return 6
	}
	return 0
}

// Plain reports whether a string literal's bytes between its quotes are
// its value: no escapes, and valid UTF-8.
func Plain(tok []byte, flags StrFlags) bool {
	return flags&Escaped == 0 && (flags&NonASCII == 0 || utf8.Valid(tok[1:len(tok)-1]))
}

// Unquote is a string literal's value as encoding/json decodes it:
// escapes resolved, invalid UTF-8 replaced by U+FFFD.
func Unquote(tok []byte, flags StrFlags) (string, error) {
	if Plain(tok, flags) {
		return string(tok[1 : len(tok)-1]), nil
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", ErrSyntax
	}
	return s, nil
}

// Str reads a string as encoding/json does.
func (c *Cursor) Str() (string, error) {
	tok, flags, err := c.RawString()
	if err != nil {
		return "", err
	}
	return Unquote(tok, flags)
}

// Number consumes a number, which must come next, and returns it as
// written; it must have JSON's form (no leading zeros, no bare dot, no
// plus sign).
func (c *Cursor) Number() ([]byte, error) {
	c.Space()
	start := c.Pos
	if c.Pos < len(c.Data) && c.Data[c.Pos] == '-' {
		c.Pos++
	}
	switch {
	case c.Pos < len(c.Data) && c.Data[c.Pos] == '0':
		c.Pos++
	case c.digits() == 0:
		return nil, ErrSyntax
	}
	if c.Pos < len(c.Data) && c.Data[c.Pos] == '.' {
		c.Pos++
		if c.digits() == 0 {
			return nil, ErrSyntax
		}
	}
	if c.Pos < len(c.Data) && (c.Data[c.Pos] == 'e' || c.Data[c.Pos] == 'E') {
		c.Pos++
		if c.Pos < len(c.Data) && (c.Data[c.Pos] == '+' || c.Data[c.Pos] == '-') {
			c.Pos++
		}
		if c.digits() == 0 {
			return nil, ErrSyntax
		}
	}
	return c.Data[start:c.Pos], nil
}

func (c *Cursor) digits() int {
	start := c.Pos
	for c.Pos < len(c.Data) && c.Data[c.Pos] >= '0' && c.Data[c.Pos] <= '9' {
		c.Pos++
	}
	return c.Pos - start
}

// Int reads what encoding/json reads into an int64: an integer in range,
// or null (0, as the field is left).
func (c *Cursor) Int() (int64, error) {
	if c.Null() {
		return 0, nil
	}
	lit, err := c.Number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		return 0, ErrSyntax
	}
	return n, nil
}

// Enter consumes the opening bracket ('{' or '['), which must come next;
// more is false when the container is empty (and consumed whole).
func (c *Cursor) Enter(open byte) (more bool, err error) {
	if err := c.Expect(open); err != nil {
		return false, err
	}
	if c.Peek() == open+2 { // '{'+2 is '}', '['+2 is ']'
		c.Pos++
		return false, nil
	}
	return true, nil
}

// Next consumes what follows a member: a comma (more) or closing.
func (c *Cursor) Next(closing byte) (more bool, err error) {
	switch c.Peek() {
	case ',':
		c.Pos++
		return true, nil
	case closing:
		c.Pos++
		return false, nil
	}
	return false, ErrSyntax
}

// Key reads an object member's key, as RawString, and the colon after it.
func (c *Cursor) Key() (tok []byte, flags StrFlags, err error) {
	if tok, flags, err = c.RawString(); err != nil {
		return nil, 0, err
	}
	return tok, flags, c.Expect(':')
}

// Object reads the object that comes next, calling field with each key
// (decoded as encoding/json does); field must consume the value.
func (c *Cursor) Object(field func(key []byte) error) error {
	more, err := c.Enter('{')
	for ; more && err == nil; more, err = c.Next('}') {
		tok, flags, err := c.Key()
		if err != nil {
			return err
		}
		key := tok[1 : len(tok)-1]
		if !Plain(tok, flags) {
			s, err := Unquote(tok, flags)
			if err != nil {
				return err
			}
			key = []byte(s)
		}
		if err := field(key); err != nil {
			return err
		}
	}
	return err
}

// Array reads the array that comes next, calling elem for each element;
// elem must consume it.
func (c *Cursor) Array(elem func() error) error {
	more, err := c.Enter('[')
	for ; more && err == nil; more, err = c.Next(']') {
		if err := elem(); err != nil {
			return err
		}
	}
	return err
}

// structural marks the bytes SkipFast looks at inside a container.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// SkipFast skips the value that comes next, looking inside a container at
// its brackets and strings alone (a string is still read as RawString):
// for a decoder that falls back on a surprise but does not promise to
// refuse every invalid document, as Skip does.
func (c *Cursor) SkipFast() error {
	switch b := c.Peek(); {
	case b == '"':
		_, _, err := c.RawString()
		return err
	case b == '{' || b == '[':
		depth := 0
		for c.Pos < len(c.Data) {
			if !structural[c.Data[c.Pos]] {
				c.Pos++
				continue
			}
			switch c.Data[c.Pos] {
			case '"':
				if _, _, err := c.RawString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					c.Pos++
					return nil
				}
			}
			c.Pos++
		}
		return ErrSyntax
	}
	_, err := c.value(0, false) // a scalar: checked, it is short
	return err
}

// Skip skips the value that comes next, checking it is valid JSON; depth
// is how deep it sits in the document (0: the document itself).
func (c *Cursor) Skip(depth int) error {
	_, err := c.value(depth, false)
	return err
}

// Any reads the value that comes next as encoding/json with UseNumber
// decodes it into an any; depth as for Skip.
func (c *Cursor) Any(depth int) (any, error) {
	return c.value(depth, true)
}

// value reads one value, returning it (as Any) only when keep.
func (c *Cursor) value(depth int, keep bool) (any, error) {
	if depth > MaxDepth {
		return nil, ErrSyntax
	}
	switch b := c.Peek(); {
	case b == '{':
		var m map[string]any
		if keep {
			m = map[string]any{}
		}
		more, err := c.Enter('{')
		for ; more && err == nil; more, err = c.Next('}') {
			tok, flags, err := c.Key()
			if err != nil {
				return nil, err
			}
			v, err := c.value(depth+1, keep)
			if err != nil {
				return nil, err
			}
			if keep {
				k, err := Unquote(tok, flags)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
		}
		return m, err
	case b == '[':
		var a []any
		if keep {
			a = []any{}
		}
		more, err := c.Enter('[')
		for ; more && err == nil; more, err = c.Next(']') {
			v, err := c.value(depth+1, keep)
			if err != nil {
				return nil, err
			}
			if keep {
				a = append(a, v)
			}
		}
		return a, err
	case b == '"':
		tok, flags, err := c.RawString()
		if err != nil || !keep {
			return nil, err
		}
		return Unquote(tok, flags)
	case b == 't':
		return true, c.Literal("true")
	case b == 'f':
		return false, c.Literal("false")
	case b == 'n':
		return nil, c.Literal("null")
	case b == '-' || b >= '0' && b <= '9':
		lit, err := c.Number()
		if err != nil || !keep {
			return nil, err
		}
		return json.Number(lit), nil
	}
	return nil, ErrSyntax
}
