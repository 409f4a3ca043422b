package billing

import (
	"encoding/json"

	"parityrail/jsonpull"
)

// A list page of subscriptions is mostly fields a promise doesn't need
// (the expanded invoice alone is ~60 of them). encoding/json scans every
// byte twice and walks them through reflection; a jsonpull cursor
// picks out the wanted fields and skips the rest in a tight loop. Anything
// it does not expect makes decodePage fall back to encoding/json, so a
// surprise costs speed, never correctness.

// lean is the billing decoders' cursor; its lower-case readers take a null
// where encoding/json leaves the field at its zero value.
type lean struct{ jsonpull.Cursor }

// str reads a string or null.
func (p *lean) str() (string, error) {
	if p.Null() {
		return "", nil
	}
	return p.Str()
}

// bool reads true, false or null (false).
func (p *lean) bool() (bool, error) {
	if p.Null() {
		return false, nil
	}
	return p.Bool()
}

// object calls field for each member of an object (or accepts null);
// field must consume the value.
func (p *lean) object(field func(key []byte) error) error {
	if p.Null() {
		return nil
	}
	return p.Object(field)
}

// array calls elem for each element of an array (or accepts null).
func (p *lean) array(elem func() error) error {
	if p.Null() {
		return nil
	}
	return p.Array(elem)
}

// id reads an expandable field: an id string, null, or an object's "id".
func (p *lean) id() (string, error) {
	if p.Peek() != '{' {
		return p.str()
	}
	var id string
	err := p.object(func(k []byte) error {
		if string(k) == "id" {
			var err error
			id, err = p.str()
			return err
		}
		return p.SkipFast()
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
		return p.SkipFast()
	})
	if err == nil {
		err = p.End()
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
			c.Created, err = p.Int()
		case "livemode":
			c.Livemode, err = p.bool()
		case "deleted":
			c.Deleted, err = p.bool()
		case "metadata":
			if p.Null() {
				return nil
			}
			c.Metadata = map[string]string{}
			err = p.object(func(mk []byte) error {
				v, err := p.str()
				c.Metadata[string(mk)] = v
				return err
			})
		default:
			err = p.SkipFast()
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
			s.Created, err = p.Int()
		case "current_period_end":
			s.CurrentPeriodEnd, err = p.Int()
		case "trial_end":
			s.TrialEnd, err = p.Int()
		case "cancel_at_period_end":
			s.CancelAtPeriodEnd, err = p.bool()
		case "livemode":
			s.Livemode, err = p.bool()
		case "pause_collection":
			if p.Null() {
				return nil
			}
			s.PauseCollection = &struct{}{}
			err = p.SkipFast()
		case "items":
			err = p.object(func(k []byte) error {
				if string(k) != "data" {
					return p.SkipFast()
				}
				return p.array(func() error {
					var price *wirePrice
					var qty int64
					err := p.object(func(k []byte) error {
						switch string(k) {
						case "quantity":
							var err error
							qty, err = p.Int()
							return err
						case "price":
						default:
							return p.SkipFast()
						}
						if p.Null() {
							return nil
						}
						price = &wirePrice{}
						return p.price(price)
					})
					s.Items.Data = append(s.Items.Data, wireItem{Price: price, Quantity: qty})
					return err
				})
			})
		case "latest_invoice":
			switch p.Peek() {
			case 'n':
				return p.Literal("null")
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
						inv.Created, err = p.Int()
					case "charge":
						err = p.charge(&inv.Charge)
					default:
						err = p.SkipFast()
					}
					return err
				})
			}
		default:
			err = p.SkipFast()
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
			if p.Null() {
				return nil
			}
			var v int64
			v, err = p.Int()
			pr.UnitAmount = &v
		case "billing_scheme":
			pr.BillingScheme, err = p.word()
		case "tiers_mode":
			pr.TiersMode, err = p.word()
		case "recurring":
			if p.Null() {
				return nil
			}
			r := &wireRecurring{}
			pr.Recurring = r
			err = p.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "interval":
					r.Interval, err = p.word()
				case "interval_count":
					r.IntervalCount, err = p.Int()
				case "usage_type":
					r.UsageType, err = p.word()
				default:
					err = p.SkipFast()
				}
				return err
			})
		case "transform_quantity":
			if p.Null() {
				return nil
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
					t.DivideBy, err = p.Int()
				case "round":
					t.Round, err = p.word()
				default:
					err = p.SkipFast()
				}
				return err
			})
		default:
			err = p.SkipFast()
		}
		return err
	})
}

// word reads a short enum string (a currency, an interval, a scheme), the
// common ones without allocating: a million subscriptions share them.
func (p *lean) word() (string, error) {
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
	p := &lean{jsonpull.Cursor{Data: b}}
	var err error
	page.HasMore, err = p.list(func() error {
		page.Data = append(page.Data, *new(T))
		return item(p, &page.Data[len(page.Data)-1])
	})
	return err
}

// decodeCustomerLean decodes one customer with the lean parser.
func decodeCustomerLean(b []byte, c *wireCustomer) error {
	p := &lean{jsonpull.Cursor{Data: b}}
	if err := p.customer(c); err != nil {
		return err
	}
	return p.End()
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
