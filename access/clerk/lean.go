package clerk

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A users page is mostly fields ParityRail never reads (phone numbers,
// wallets, external accounts, verifications, a dozen flags and epochs):
// decoding it into clerk-sdk's User walks all of them through reflection,
// after encoding/json has scanned every byte once just to validate it, and
// then each metadata container is scanned twice more. This small pull
// parser reads the page once, keeps only what toUser keeps (id, created_at,
// names, the primary email, the three metadata containers) and skips the
// rest in a tight loop. Anything it does not expect — a key that
// encoding/json would match case-insensitively, a repeated field, a
// created_at that is not an integer, metadata that is not an object, a
// user without an id — makes decodeUsers fall back to the full decode, so
// a surprise costs speed, never a different answer. The one difference
// left: fields ParityRail does not read are skipped as valid JSON without
// their type checked against clerk-sdk's struct (a "banned": "yes" fails
// the full decode of the whole page, not the lean one).

var errLean = errors.New("clerk: unexpected JSON shape")

type leanParser struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (p *leanParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (p *leanParser) peek() byte {
	p.ws()
	if p.i >= len(p.b) {
		return 0
	}
	return p.b[p.i]
}

func (p *leanParser) expect(c byte) error {
	if p.peek() != c {
		return errLean
	}
	p.i++
	return nil
}

// literal consumes true, false or null.
func (p *leanParser) literal(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return errLean
	}
	p.i += len(word)
	return nil
}

// null consumes a null if one is next.
func (p *leanParser) null() bool {
	if p.peek() == 'n' && p.literal("null") == nil {
		return true
	}
	return false
}

// strPlain marks the string bytes that need no care: printable ASCII other
// than the quote and the backslash.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// rawString consumes a string literal and returns its bytes without quotes.
// simple reports that they are the string itself: plain ASCII, or valid
// UTF-8 without escapes. Control bytes (invalid JSON) are an error.
func (p *leanParser) rawString() (s []byte, simple bool, err error) {
	if p.peek() != '"' {
		return nil, false, errLean
	}
	p.i++
	start, ascii, escaped := p.i, true, false
	for p.i < len(p.b) {
		c := p.b[p.i]
		if strPlain[c] {
			p.i++
			continue
		}
		switch {
		case c == '"':
			s = p.b[start:p.i]
			p.i++
			if ascii && !escaped {
				return s, true, nil
			}
			return s, !escaped && utf8.Valid(s), nil
		case c == '\\':
			escaped = true
			if err := p.escape(); err != nil {
				return nil, false, err
			}
		case c < 0x20:
			return nil, false, errLean
		default:
			ascii = false
			p.i++
		}
	}
	return nil, false, errLean
}

// escape consumes one escape sequence (p.i at its backslash), checking it
// is one JSON allows.
func (p *leanParser) escape() error {
	if p.i+1 >= len(p.b) {
		return errLean
	}
	switch p.b[p.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.i += 2
		return nil
	case 'u':
		if p.i+6 > len(p.b) {
			return errLean
		}
		for _, h := range p.b[p.i+2 : p.i+6] {
			if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
				return errLean
			}
		}
		p.i += 6
		return nil
	}
	return errLean
}

// str reads a string the way encoding/json does: escapes and invalid UTF-8
// (replaced by U+FFFD) are left to it.
func (p *leanParser) str() (string, error) {
	start := p.i
	s, simple, err := p.rawString()
	if err != nil {
		return "", err
	}
	if simple {
		return string(s), nil
	}
	var out string
	if err := json.Unmarshal(p.b[start:p.i], &out); err != nil {
		return "", errLean
	}
	return out, nil
}

// optStr reads a string or null (nil).
func (p *leanParser) optStr() (*string, error) {
	if p.null() {
		return nil, nil
	}
	s, err := p.str()
	return &s, err
}

// key reads an object key of a struct clerk-sdk decodes into. encoding/json
// matches those keys case-insensitively (Unicode folding included), so only
// plain lower-case keys are taken as they are; any other makes the caller
// fall back.
func (p *leanParser) key() ([]byte, error) {
	s, _, err := p.rawString()
	if err != nil {
		return nil, err
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return nil, errLean
		}
	}
	return s, p.expect(':')
}

// number consumes a JSON number and returns its literal.
func (p *leanParser) number() ([]byte, error) {
	p.ws()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return nil, errLean
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, errLean
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, errLean
		}
	}
	return p.b[start:p.i], nil
}

func (p *leanParser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// int64 reads what encoding/json reads into an int64: an integer literal
// in range, or null (zero, as the field is left).
func (p *leanParser) int64() (int64, error) {
	if p.null() {
		return 0, nil
	}
	lit, err := p.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		return 0, errLean
	}
	return n, nil
}

// maxDepth bounds nesting as encoding/json does (10000), so a hostile page
// cannot overflow the stack.
const maxDepth = 10000

// skip consumes one value of any kind, checking it is valid JSON.
func (p *leanParser) skip(depth int) error {
	_, err := p.value(depth, false)
	return err
}

// value consumes one value and, when keep, returns it as encoding/json with
// UseNumber decodes it into an any.
func (p *leanParser) value(depth int, keep bool) (any, error) {
	if depth > maxDepth {
		return nil, errLean
	}
	switch c := p.peek(); {
	case c == '{':
		p.i++
		var m map[string]any
		if keep {
			m = map[string]any{}
		}
		if p.peek() == '}' {
			p.i++
			return m, nil
		}
		for {
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			v, err := p.value(depth+1, keep)
			if err != nil {
				return nil, err
			}
			if keep {
				m[k] = v
			}
			if done, err := p.next('}'); done || err != nil {
				return m, err
			}
		}
	case c == '[':
		p.i++
		var a []any
		if keep {
			a = []any{}
		}
		if p.peek() == ']' {
			p.i++
			return a, nil
		}
		for {
			v, err := p.value(depth+1, keep)
			if err != nil {
				return nil, err
			}
			if keep {
				a = append(a, v)
			}
			if done, err := p.next(']'); done || err != nil {
				return a, err
			}
		}
	case c == '"':
		if !keep {
			_, _, err := p.rawString()
			return nil, err
		}
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		lit, err := p.number()
		if err != nil || !keep {
			return nil, err
		}
		return json.Number(lit), nil
	}
	return nil, errLean
}

// next consumes the comma between members, or the closing byte (done).
func (p *leanParser) next(closing byte) (done bool, err error) {
	switch p.peek() {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, errLean
}

// metadata reads a container as decodeMetadata does: null is nil, an
// object is a map with json.Number numbers; anything else falls back (the
// full decode reports it).
func (p *leanParser) metadata() (map[string]any, error) {
	if p.null() {
		return nil, nil
	}
	if p.peek() != '{' {
		return nil, errLean
	}
	v, err := p.value(1, true)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// object calls field for each key of the object that comes next; field
// must consume the value.
func (p *leanParser) object(field func(key []byte) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		k, err := p.key()
		if err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		if done, err := p.next('}'); done || err != nil {
			return err
		}
	}
}

// end checks that nothing but whitespace follows the value.
func (p *leanParser) end() error {
	if p.peek() != 0 || p.i != len(p.b) {
		return errLean
	}
	return nil
}

// leanEmail is the part of an email address toUser reads.
type leanEmail struct{ id, address string }

// once records which fields were read: a field that comes twice falls
// back, as encoding/json merges repeated struct fields in ways not worth
// copying (unread fields may repeat; they are skipped either way).
type once uint16

func (o *once) see(bit int) error {
	if *o&(1<<bit) != 0 {
		return errLean
	}
	*o |= 1 << bit
	return nil
}

// userField numbers the user fields read, for once (-1: not read).
func userField(k []byte) int {
	switch string(k) {
	case "id":
		return 0
	case "created_at":
		return 1
	case "primary_email_address_id":
		return 2
	case "first_name":
		return 3
	case "last_name":
		return 4
	case "username":
		return 5
	case "email_addresses":
		return 6
	case PublicMetadata:
		return 7
	case PrivateMetadata:
		return 8
	case UnsafeMetadata:
		return 9
	}
	return -1
}

// user reads one user object into what toUser makes of it.
func (p *leanParser) user() (User, error) {
	var (
		u                          User
		created                    int64
		primary, first, last, name *string
		emails                     []leanEmail
		seen                       once
	)
	err := p.object(func(k []byte) (err error) {
		bit := userField(k)
		if bit >= 0 {
			if err := seen.see(bit); err != nil {
				return err
			}
		}
		switch bit {
		case 0:
			u.ID, err = p.nullableStr()
		case 1:
			created, err = p.int64()
		case 2:
			primary, err = p.optStr()
		case 3:
			first, err = p.optStr()
		case 4:
			last, err = p.optStr()
		case 5:
			name, err = p.optStr()
		case 6:
			emails, err = p.emails()
		case 7:
			u.PublicMetadata, err = p.metadata()
		case 8:
			u.PrivateMetadata, err = p.metadata()
		case 9:
			u.UnsafeMetadata, err = p.metadata()
		default:
			err = p.skip(1)
		}
		return err
	})
	if err != nil || u.ID == "" {
		return User{}, errLean
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	if primary != nil {
		for _, e := range emails {
			if e.id == *primary {
				u.Email = e.address
			}
		}
	}
	u.Name = strings.TrimSpace(deref(first) + " " + deref(last))
	if u.Name == "" {
		u.Name = deref(name)
	}
	return u, nil
}

// nullableStr reads a string field; null leaves it empty.
func (p *leanParser) nullableStr() (string, error) {
	if p.null() {
		return "", nil
	}
	return p.str()
}

// emails reads email_addresses: null, or an array of objects or nulls
// (toUser skips nil entries).
func (p *leanParser) emails() ([]leanEmail, error) {
	if p.null() {
		return nil, nil
	}
	if err := p.expect('['); err != nil {
		return nil, err
	}
	var out []leanEmail
	if p.peek() == ']' {
		p.i++
		return out, nil
	}
	for {
		if !p.null() {
			var e leanEmail
			var seen once
			err := p.object(func(k []byte) (err error) {
				switch string(k) {
				case "id":
					if err = seen.see(0); err == nil {
						e.id, err = p.nullableStr()
					}
				case "email_address":
					if err = seen.see(1); err == nil {
						e.address, err = p.nullableStr()
					}
				default:
					err = p.skip(2)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if done, err := p.next(']'); done || err != nil {
			return out, err
		}
	}
}

// leanUsers reads a GET /users page; errLean when the page is anything but
// what it expects.
func leanUsers(data []byte) ([]User, error) {
	p := &leanParser{b: data}
	if err := p.expect('['); err != nil {
		return nil, err
	}
	out := make([]User, 0, pageSize)
	if p.peek() == ']' {
		p.i++
		return out, p.end()
	}
	for {
		if p.peek() != '{' {
			return nil, errLean
		}
		u, err := p.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
		if done, err := p.next(']'); err != nil {
			return nil, err
		} else if done {
			return out, p.end()
		}
	}
}
