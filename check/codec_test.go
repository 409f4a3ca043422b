package check

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"parityrail/billing"
	"parityrail/fulfillment"
)

// fill sets every field reachable from v to a non-zero value (pointers
// allocated, slices and maps given one element), so a round trip that
// loses any field — including one added after the codec was written —
// shows up as a difference.
func fill(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n * 7))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0), n)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, n)
		fill(t, e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(int64(1700000000+*n), 0).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fill(t, v.Field(i), n)
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf("raw"))
	default:
		t.Fatalf("fill: %s is not handled; teach the codec and this test", v.Type())
	}
}

func TestCodecRoundTripsEveryField(t *testing.T) {
	n := 0
	var c billing.Customer
	fill(t, reflect.ValueOf(&c).Elem(), &n)
	var s billing.Subscription
	fill(t, reflect.ValueOf(&s).Elem(), &n)
	s.Items = append(s.Items, billing.Item{PriceID: "p2"}) // no price
	var subj fulfillment.Subject
	fill(t, reflect.ValueOf(&subj).Elem(), &n)

	var e enc
	e.customer(c)
	e.subscription(s)
	if !e.subject(subj) {
		t.Fatal("subject not encoded")
	}
	d := dec{b: e.b}
	gc, gs, gsubj := d.customer(), d.subscription(), d.subject()
	if d.err != nil || len(d.b) != 0 {
		t.Fatalf("decode: %v, %d bytes left", d.err, len(d.b))
	}
	for _, p := range []struct{ want, got any }{{c, gc}, {s, gs}, {subj, gsubj}} {
		if !reflect.DeepEqual(p.want, p.got) {
			t.Errorf("round trip\nwant %+v\ngot  %+v", p.want, p.got)
		}
	}
}

func TestCodecKeepsZeroesAndNils(t *testing.T) {
	var e enc
	e.customer(billing.Customer{ID: "cus_1"})
	e.subscription(billing.Subscription{ID: "sub_1", Items: []billing.Item{}})
	e.subject(fulfillment.Subject{ID: "1", Fields: fulfillment.Fields{Plan: &fulfillment.FieldValue{Path: "plan", Set: []string{}}}})
	d := dec{b: e.b}
	c, s, subj := d.customer(), d.subscription(), d.subject()
	if c.Metadata != nil || s.Items == nil || len(s.Items) != 0 || subj.Fields.Plan.Set == nil || subj.Fields.Premium != nil {
		t.Fatalf("nil and empty not kept apart: %+v %+v %+v", c, s, subj.Fields.Plan)
	}
}

// Raw values keep their Go type: people see them rendered by type.
func TestCodecRawValues(t *testing.T) {
	local := time.Date(2025, 3, 4, 5, 6, 7, 890, time.FixedZone("X", 3600))
	raws := []any{nil, "text", true, int64(-42), 42, 3.5, json.Number("12.50"), local, time.Unix(5, 0).UTC(),
		[]string{"a", "b"}, []string(nil), []byte("xy"), map[string]any{"a": []any{1.5, "b", nil, map[string]any{}}}, []any{}}
	for _, raw := range raws {
		var e enc
		if !e.subject(fulfillment.Subject{Fields: fulfillment.Fields{Plan: &fulfillment.FieldValue{Raw: raw}}}) {
			t.Fatalf("%T not encoded", raw)
		}
		d := dec{b: e.b}
		got := d.subject().Fields.Plan.Raw
		if tt, ok := raw.(time.Time); ok {
			if g, ok := got.(time.Time); !ok || !g.Equal(tt) || g.Format(time.RFC3339Nano) != tt.Format(time.RFC3339Nano) {
				t.Errorf("time %v came back %v", raw, got)
			}
			continue
		}
		if !reflect.DeepEqual(raw, got) {
			t.Errorf("%#v came back %#v", raw, got)
		}
	}
	var e enc
	if e.subject(fulfillment.Subject{Fields: fulfillment.Fields{Plan: &fulfillment.FieldValue{Raw: struct{}{}}}}) {
		t.Fatal("an unknown raw type must be refused, not lost")
	}
}
