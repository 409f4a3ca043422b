package fulfillment

import (
	"fmt"
	"testing"
)

func amt(v int64) *int64 { return &v }

func stakeText(s *AtStake) string {
	if s == nil {
		return "none"
	}
	if s.MonthlyMinor == nil {
		return fmt.Sprintf("%s %s null", s.Basis, s.Currency)
	}
	return fmt.Sprintf("%s %s %d", s.Basis, s.Currency, *s.MonthlyMinor)
}

func TestMonthly(t *testing.T) {
	per := func(unit int64, interval string, count int64) PriceTerms {
		return PriceTerms{Currency: "USD", UnitAmount: amt(unit), Interval: interval, IntervalCount: count}
	}
	graduated := PriceTerms{Currency: "eur", Interval: "month", BillingScheme: "tiered", TiersMode: "graduated",
		Tiers: []Tier{{UpTo: amt(5), UnitAmount: 1000}, {UpTo: amt(10), UnitAmount: 800, FlatAmount: 500}, {UnitAmount: 500}}}
	volume := graduated
	volume.TiersMode = "volume"
	for _, tc := range []struct {
		name string
		pt   PriceTerms
		qty  int64
		want string
	}{
		{"monthly", per(4900, "month", 1), 1, "price usd 4900"},
		{"quantity", per(4900, "month", 1), 3, "price usd 14700"},
		{"zero quantity reads as one", per(4900, "month", 0), 0, "price usd 4900"},
		{"every 3 months", per(9000, "month", 3), 1, "price usd 3000"},
		{"annual ÷ 12", per(120000, "year", 1), 1, "price usd 10000"},
		{"annual rounds", per(9900, "year", 1), 1, "price usd 825"},
		{"every 2 years", per(24000, "year", 2), 1, "price usd 1000"},
		{"weekly × 52/12", per(1200, "week", 1), 1, "price usd 5200"},
		{"every 2 weeks", per(1200, "week", 2), 1, "price usd 2600"},
		{"daily × 365/12", per(100, "day", 1), 1, "price usd 3042"},
		{"one-time", PriceTerms{Currency: "usd", UnitAmount: amt(5000)}, 1, "price usd null"},
		{"metered", PriceTerms{Currency: "usd", UnitAmount: amt(5), Interval: "month", UsageType: "metered"}, 1, "usage usd null"},
		{"transform up", PriceTerms{Currency: "usd", UnitAmount: amt(1000), Interval: "month",
			TransformQuantity: &TransformQuantity{DivideBy: 10, Round: "up"}}, 11, "price usd 2000"},
		{"transform down", PriceTerms{Currency: "usd", UnitAmount: amt(1000), Interval: "month",
			TransformQuantity: &TransformQuantity{DivideBy: 10, Round: "down"}}, 19, "price usd 1000"},
		{"graduated in first tier", graduated, 3, "varies eur 3000"},
		{"graduated across tiers", graduated, 12, "varies eur 10500"}, // 5×1000 + (5×800+500) + 2×500
		{"volume", volume, 12, "varies eur 6000"},
		{"volume middle tier", volume, 7, "varies eur 6100"},
		{"tiered annual", PriceTerms{Currency: "usd", Interval: "year", BillingScheme: "tiered", TiersMode: "volume",
			Tiers: []Tier{{UnitAmount: 1200}}}, 2, "varies usd 200"},
		{"tiered without tiers", PriceTerms{Currency: "usd", Interval: "month", BillingScheme: "tiered"}, 2, "varies usd null"},
	} {
		s := Monthly(tc.pt, tc.qty)
		if got := stakeText(&s); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestSetStakes(t *testing.T) {
	pol := DefaultPolicy()
	pro := PriceTerms{Currency: "usd", UnitAmount: amt(4900), Interval: "month"}
	proYear := PriceTerms{Currency: "usd", UnitAmount: amt(49000), Interval: "year"}
	proEUR := PriceTerms{Currency: "eur", UnitAmount: amt(1000), Interval: "month"}
	catalog := map[string]PriceTerms{"price_pro": pro, "price_pro_year": proYear, "price_pro_eur": proEUR}
	m := PlanMapping{Rows: append([]PlanRow{{PriceID: "price_pro_year", AppValue: "pro"}, {PriceID: "price_pro_eur", AppValue: "pro"}}, testMapping.Rows...)}

	paying := sub("sub_1", "active", "price_pro", items(Item{PriceID: "price_pro", Quantity: 2, Price: &pro}))
	noAccess := Compare(DerivePromise(billing(paying), m, pol, now), []Subject{user("u", Fields{Plan: planField("free")})}, m, pol, now)
	wrong := Compare(DerivePromise(billing(paying), m, pol, now), []Subject{user("u", Fields{Plan: planField("basic")})}, m, pol, now)
	canceled := sub("sub_2", "canceled", "price_pro", items(Item{PriceID: "price_pro", Price: &pro}))
	leak := Compare(DerivePromise(billing(canceled), m, pol, now), []Subject{user("u", Fields{Plan: planField("pro")})}, m, pol, now)
	leakEnt := Compare(DerivePromise(billing(canceled), m, pol, now), []Subject{user("u", Fields{Plan: planField("enterprise")})}, m, pol, now)
	leakFlag := Compare(DerivePromise(billing(canceled), m, pol, now), []Subject{user("u", Fields{Premium: premiumField(true, true)})}, m, pol, now)
	unread := Compare(DerivePromise(billing(sub("sub_3", "active", "price_pro")), m, pol, now), []Subject{user("u", Fields{Plan: planField("free")})}, m, pol, now)
	for _, tc := range []struct {
		name string
		fs   []Finding
		cur  string
		want string
	}{
		{"paid without access: the granting subscription", noAccess, "usd", "price usd 9800"},
		{"wrong plan: the granting subscription", wrong, "usd", "price usd 9800"},
		{"leak: lowest mapped price of the plan in the default currency", leak, "usd", "price usd 4083"},
		{"leak in an eur account", leak, "eur", "price eur 1000"},
		{"leak: a plan with no known price", leakEnt, "usd", "none"},
		{"leak by a flag: no plan named", leakFlag, "usd", "none"},
		{"prices not read", unread, "usd", "none"},
	} {
		if len(tc.fs) != 1 {
			t.Fatalf("%s: want one finding:%s", tc.name, describe(tc.fs))
		}
		SetStakes(tc.fs, m, catalog, tc.cur)
		if got := stakeText(tc.fs[0].AtStake); got != tc.want {
			t.Errorf("%s (%s): %s, want %s", tc.name, tc.fs[0].Kind, got, tc.want)
		}
	}
}
