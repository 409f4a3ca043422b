package billing

// charge reads an invoice's charge: null, an id (not expanded: not kept),
// or the expanded object with its refunds (a charge does not carry its
// dispute: readDisputes reads it).
func (p *lean) charge(out **wireCharge) error {
	switch p.Peek() {
	case 'n':
		return p.Literal("null")
	case '"':
		return p.SkipFast()
	}
	c := &wireCharge{}
	*out = c
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "id":
			c.ID, err = p.str()
		case "amount":
			c.Amount, err = p.Int()
		case "amount_refunded":
			c.AmountRefunded, err = p.Int()
		case "refunded":
			c.Refunded, err = p.bool()
		case "disputed":
			c.Disputed, err = p.bool()
		case "currency":
			c.Currency, err = p.word()
		case "refunds":
			if p.Null() {
				return nil
			}
			c.Refunds = &struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
			}{}
			err = p.object(func(k []byte) error {
				if string(k) != "data" {
					return p.SkipFast()
				}
				return p.array(func() error {
					var id string
					err := p.object(func(k []byte) error {
						if string(k) != "id" {
							return p.SkipFast()
						}
						var err error
						id, err = p.str()
						return err
					})
					c.Refunds.Data = append(c.Refunds.Data, struct {
						ID string `json:"id"`
					}{id})
					return err
				})
			})
		default:
			err = p.SkipFast()
		}
		return err
	})
}
