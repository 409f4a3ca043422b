package clerk

import (
	"errors"
	"strings"
	"time"

	"parityrail/jsonpull"
)

// A users page is mostly fields ParityRail never reads (phone numbers,
// wallets, external accounts, verifications, a dozen flags and epochs):
// decoding it into clerk-sdk's User walks all of them through reflection,
// after encoding/json has scanned every byte once just to validate it, and
// then each metadata container is scanned twice more. A jsonpull cursor
// reads the page once, keeps only what toUser keeps (id, created_at,
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

type leanParser struct{ jsonpull.Cursor }

// optStr reads a string or null (nil).
func (p *leanParser) optStr() (*string, error) {
	if p.Null() {
		return nil, nil
	}
	s, err := p.Str()
	return &s, err
}

// key reads an object key of a struct clerk-sdk decodes into. encoding/json
// matches those keys case-insensitively (Unicode folding included), so only
// plain lower-case keys are taken as they are; any other makes the caller
// fall back.
func (p *leanParser) key() ([]byte, error) {
	tok, _, err := p.Key()
	if err != nil {
		return nil, err
	}
	s := tok[1 : len(tok)-1]
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return nil, errLean
		}
	}
	return s, nil
}

// metadata reads a container as decodeMetadata does: null is nil, an
// object is a map with json.Number numbers; anything else falls back (the
// full decode reports it).
func (p *leanParser) metadata() (map[string]any, error) {
	if p.Null() {
		return nil, nil
	}
	if p.Peek() != '{' {
		return nil, errLean
	}
	v, err := p.Any(1)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// object calls field for each key of the object that comes next; field
// must consume the value.
func (p *leanParser) object(field func(key []byte) error) error {
	more, err := p.Enter('{')
	for ; more && err == nil; more, err = p.Next('}') {
		k, err := p.key()
		if err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
	}
	return err
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
			created, err = p.Int()
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
			err = p.Skip(1)
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
	if p.Null() {
		return "", nil
	}
	return p.Str()
}

// emails reads email_addresses: null, or an array of objects or nulls
// (toUser skips nil entries).
func (p *leanParser) emails() ([]leanEmail, error) {
	if p.Null() {
		return nil, nil
	}
	var out []leanEmail
	more, err := p.Enter('[')
	for ; more && err == nil; more, err = p.Next(']') {
		if p.Null() {
			continue
		}
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
				err = p.Skip(2)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, err
}

// leanUsers reads a GET /users page; an error when the page is anything
// but what it expects.
func leanUsers(data []byte) ([]User, error) {
	p := &leanParser{jsonpull.Cursor{Data: data}}
	out := make([]User, 0, pageSize)
	more, err := p.Enter('[')
	for ; more && err == nil; more, err = p.Next(']') {
		if p.Peek() != '{' {
			return nil, errLean
		}
		u, err := p.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err == nil {
		err = p.End()
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
