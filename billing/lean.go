package billing

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// A list page of subscriptions is mostly fields a promise doesn't need
// (the expanded invoice alone is ~60 of them). encoding/json scans every
// byte twice and walks them through reflection; this small pull parser
// picks out the wanted fields and skips the rest in a tight loop. Anything
// it does not expect makes decodePage fall back to encoding/json, so a
// surprise costs speed, never correctness.

var errLean = errors.New("billing: unexpected JSON shape")

type lean struct {
	b []byte
	i int
}

// ws skips whitespace. Outside strings JSON has no other bytes at or
// below ' ' (a stray control byte fails the next read instead).
func (p *lean) ws() {
	for p.i < len(p.b) && p.b[p.i] <= ' ' {
		p.i++
	}
}

// structural marks the bytes skip must look at inside a container.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// peek returns the next non-space byte (0 at the end).
func (p *lean) peek() byte {
	p.ws()
	if p.i >= len(p.b) {
		return 0
	}
	return p.b[p.i]
}

func (p *lean) expect(c byte) error {
	if p.peek() != c {
		return errLean
	}
	p.i++
	return nil
}

// rawString returns the string literal's contents, without quotes;
// escaped reports a backslash inside.
func (p *lean) rawString() (s []byte, escaped bool, err error) {
	if p.peek() != '"' {
		return nil, false, errLean
	}
	p.i++
	start := p.i
	for {
		q := bytes.IndexByte(p.b[p.i:], '"')
		if q < 0 {
			return nil, false, errLean
		}
		end := p.i + q
		// The quote ends the string unless an odd number of backslashes
		// precede it.
		bs := 0
		for k := end - 1; k >= start && p.b[k] == '\\'; k-- {
			bs++
		}
		if !escaped && bytes.IndexByte(p.b[p.i:end], '\\') >= 0 {
			escaped = true
		}
		p.i = end + 1
		if bs%2 == 0 {
			return p.b[start:end], escaped, nil
		}
	}
}

// str reads a string or null.
func (p *lean) str() (string, error) {
	if p.peek() == 'n' {
		return "", p.null()
	}
	start := p.i
	raw, esc, err := p.rawString()
	if err != nil {
		return "", err
	}
	if !esc {
		return string(raw), nil
	}
	var s string
	err = json.Unmarshal(p.b[start:p.i], &s)
	return s, err
}

func (p *lean) null() error {
	if p.i+4 <= len(p.b) && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return nil
	}
	return errLean
}

// int reads an integer or null (0).
func (p *lean) int() (int64, error) {
	if p.peek() == 'n' {
		return 0, p.null()
	}
	start := p.i
	for p.i < len(p.b) && (p.b[p.i] == '-' || (p.b[p.i] >= '0' && p.b[p.i] <= '9')) {
		p.i++
	}
	return strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
}

// bool reads true, false or null (false).
func (p *lean) bool() (bool, error) {
	switch p.peek() {
	case 't':
		if p.i+4 <= len(p.b) && string(p.b[p.i:p.i+4]) == "true" {
			p.i += 4
			return true, nil
		}
	case 'f':
		if p.i+5 <= len(p.b) && string(p.b[p.i:p.i+5]) == "false" {
			p.i += 5
			return false, nil
		}
	case 'n':
		return false, p.null()
	}
	return false, errLean
}

// skip skips one value of any kind.
func (p *lean) skip() error {
	switch p.peek() {
	case '"':
		_, _, err := p.rawString()
		return err
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			if !structural[p.b[p.i]] {
				p.i++
				continue
			}
			switch p.b[p.i] {
			case '"':
				if _, _, err := p.rawString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return nil
				}
			}
			p.i++
		}
		return errLean
	case 0:
		return errLean
	}
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ',', '}', ']', ' ', '\n', '\t', '\r':
			return nil
		}
		p.i++
	}
	return nil
}

// object calls field for each member of an object (or accepts null);
// field must consume the value.
func (p *lean) object(field func(key []byte) error) error {
	if p.peek() == 'n' {
		return p.null()
	}
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		start := p.i
		key, esc, err := p.rawString()
		if err != nil {
			return errLean
		}
		if esc {
			var k string
			if json.Unmarshal(p.b[start:p.i], &k) != nil {
				return errLean
			}
			key = []byte(k)
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return errLean
		}
	}
}

// array calls elem for each element of an array (or accepts null).
func (p *lean) array(elem func() error) error {
	if p.peek() == 'n' {
		return p.null()
	}
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return errLean
		}
	}
}

// id reads an expandable field: an id string, null, or an object's "id".
func (p *lean) id() (string, error) {
	if p.peek() != '{' {
		return p.str()
	}
	var id string
	err := p.object(func(k []byte) error {
		if string(k) == "id" {
			var err error
			id, err = p.str()
			return err
		}
		return p.skip()
	})
	return id, err
}

// list reads a list envelope, calling item for each element of "data".
func (p *lean) list(item func() error) (hasMore bool, err error) {
	err = p.object(func(k []byte) error {
		switch string(k) {
		case "data":
			return p.array(item)
		case "has_more":
			var err error
			hasMore, err = p.bool()
			return err
		}
		return p.skip()
	})
	if err == nil && p.peek() != 0 {
		err = errLean
	}
	return hasMore, err
}

func (p *lean) customer(c *wireCustomer) error {
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "id":
			c.ID, err = p.str()
		case "email":
			c.Email, err = p.str()
		case "name":
			c.Name, err = p.str()
		case "created":
			c.Created, err = p.int()
		case "livemode":
			c.Livemode, err = p.bool()
		case "deleted":
			c.Deleted, err = p.bool()
		case "metadata":
			if p.peek() == 'n' {
				return p.null()
			}
			c.Metadata = map[string]string{}
			err = p.object(func(mk []byte) error {
				v, err := p.str()
				c.Metadata[string(mk)] = v
				return err
			})
		default:
			err = p.skip()
		}
		return err
	})
}

func (p *lean) subscription(s *wireSubscription) error {
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "id":
			s.ID, err = p.str()
		case "customer":
			var id string
			id, err = p.id()
			s.Customer = wireID(id)
		case "status":
			s.Status, err = p.str()
		case "created":
			s.Created, err = p.int()
		case "current_period_end":
			s.CurrentPeriodEnd, err = p.int()
		case "trial_end":
			s.TrialEnd, err = p.int()
		case "cancel_at_period_end":
			s.CancelAtPeriodEnd, err = p.bool()
		case "livemode":
			s.Livemode, err = p.bool()
		case "pause_collection":
			if p.peek() == 'n' {
				return p.null()
			}
			s.PauseCollection = &struct{}{}
			err = p.skip()
		case "items":
			err = p.object(func(k []byte) error {
				if string(k) != "data" {
					return p.skip()
				}
				return p.array(func() error {
					var price *wirePrice
					var qty int64
					err := p.object(func(k []byte) error {
						switch string(k) {
						case "quantity":
							var err error
							qty, err = p.int()
							return err
						case "price":
						default:
							return p.skip()
						}
						if p.peek() == 'n' {
							return p.null()
						}
						price = &wirePrice{}
						return p.price(price)
					})
					s.Items.Data = append(s.Items.Data, wireItem{Price: price, Quantity: qty})
					return err
				})
			})
		case "latest_invoice":
			switch p.peek() {
			case 'n':
				return p.null()
			case '"':
				var id string
				id, err = p.str()
				s.LatestInvoice = &wireInvoice{ID: id}
			default:
				inv := &wireInvoice{}
				s.LatestInvoice = inv
				err = p.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "id":
						inv.ID, err = p.str()
					case "status":
						inv.Status, err = p.str()
					case "created":
						inv.Created, err = p.int()
					case "charge":
						err = p.charge(&inv.Charge)
					default:
						err = p.skip()
					}
					return err
				})
			}
		default:
			err = p.skip()
		}
		return err
	})
}

func (p *lean) price(pr *wirePrice) error {
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "id":
			pr.ID, err = p.str()
		case "lookup_key":
			pr.LookupKey, err = p.str()
		case "product":
			var id string
			id, err = p.id()
			pr.Product = wireID(id)
		case "currency":
			pr.Currency, err = p.word()
		case "unit_amount":
			if p.peek() == 'n' {
				return p.null()
			}
			var v int64
			v, err = p.int()
			pr.UnitAmount = &v
		case "billing_scheme":
			pr.BillingScheme, err = p.word()
		case "tiers_mode":
			pr.TiersMode, err = p.word()
		case "recurring":
			if p.peek() == 'n' {
				return p.null()
			}
			r := &wireRecurring{}
			pr.Recurring = r
			err = p.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "interval":
					r.Interval, err = p.word()
				case "interval_count":
					r.IntervalCount, err = p.int()
				case "usage_type":
					r.UsageType, err = p.word()
				default:
					err = p.skip()
				}
				return err
			})
		case "transform_quantity":
			if p.peek() == 'n' {
				return p.null()
			}
			pr.TransformQuantity = &struct {
				DivideBy int64  `json:"divide_by"`
				Round    string `json:"round"`
			}{}
			t := pr.TransformQuantity
			err = p.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "divide_by":
					t.DivideBy, err = p.int()
				case "round":
					t.Round, err = p.word()
				default:
					err = p.skip()
				}
				return err
			})
		default:
			err = p.skip()
		}
		return err
	})
}

// word reads a short enum string (a currency, an interval, a scheme), the
// common ones without allocating: a million subscriptions share them.
func (p *lean) word() (string, error) {
	if p.peek() == 'n' {
		return "", p.null()
	}
	s, err := p.str()
	if err != nil {
		return "", err
	}
	for _, w := range commonWords {
		if s == w {
			return w, nil
		}
	}
	return s, nil
}

var commonWords = [...]string{"usd", "eur", "gbp", "month", "year", "week", "day", "licensed", "metered",
	"per_unit", "tiered", "graduated", "volume", "up", "down"}

// decodeCustomerPageLean decodes a customer list page with the lean parser.
func decodeCustomerPageLean(b []byte, page *wireList[wireCustomer]) error {
	return decodePageLean(b, page, (*lean).customer)
}

// decodeSubscriptionPageLean decodes a subscription list page with the lean
// parser.
func decodeSubscriptionPageLean(b []byte, page *wireList[wireSubscription]) error {
	return decodePageLean(b, page, (*lean).subscription)
}

// decodePageLean decodes a list page, item reading each element of "data".
func decodePageLean[T any](b []byte, page *wireList[T], item func(*lean, *T) error) error {
	p := &lean{b: b}
	var err error
	page.HasMore, err = p.list(func() error {
		page.Data = append(page.Data, *new(T))
		return item(p, &page.Data[len(page.Data)-1])
	})
	return err
}

// decodeCustomerLean decodes one customer with the lean parser.
func decodeCustomerLean(b []byte, c *wireCustomer) error {
	p := &lean{b: b}
	if err := p.customer(c); err != nil {
		return err
	}
	if p.peek() != 0 {
		return errLean
	}
	return nil
}

// The decoders the connector uses: lean, or encoding/json when the lean
// parser meets something unexpected.

func decodeCustomerPage(b []byte, page *wireList[wireCustomer]) error {
	return leanOrJSON(b, page, decodeCustomerPageLean)
}

func decodeSubscriptionPage(b []byte, page *wireList[wireSubscription]) error {
	return leanOrJSON(b, page, decodeSubscriptionPageLean)
}

func decodeCustomer(b []byte, c *wireCustomer) error {
	return leanOrJSON(b, c, decodeCustomerLean)
}

// leanOrJSON decodes b into v with decodeLean, and again from scratch with
// encoding/json when the lean parser fails.
func leanOrJSON[T any](b []byte, v *T, decodeLean func([]byte, *T) error) error {
	if decodeLean(b, v) != nil {
		*v = *new(T)
		return json.Unmarshal(b, v)
	}
	return nil
}
