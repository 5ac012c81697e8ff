package topology

import (
	"reflect"
	"testing"
)

// TestEqualSeesEveryField changes each field of a component and a link in
// turn, by reflection, so that a field added to either and left out of
// Equal fails here.
func TestEqualSeesEveryField(t *testing.T) {
	c := &Component{ID: "pci:0000:00:01.0", Kind: KindPCIFunction, Name: "n", Parent: "p", Vendor: "v", Model: "m",
		Serial: "s", Firmware: "f", Attrs: map[string]any{"driver": "igb", "numa_node": 0, "list": []string{"a"}},
		Counters: map[string]uint64{"aer_correctable": 3}, Health: Health{State: StateOK, Reasons: []string{"r"}}}
	l := &Link{ID: "a~b", Kind: LinkPCIe, From: "a", To: "b", Attrs: map[string]any{"speed": 8.0},
		Counters: map[string]uint64{"replays": 1}, Health: Health{State: StateOK}}
	for _, tc := range []struct {
		name  string
		v     any
		equal func(a, b any) bool
	}{
		{"component", c, func(a, b any) bool { return a.(*Component).Equal(b.(*Component)) }},
		{"link", l, func(a, b any) bool { return a.(*Link).Equal(b.(*Link)) }},
	} {
		orig := reflect.ValueOf(tc.v).Elem()
		for i := range orig.NumField() {
			f := orig.Type().Field(i)
			if !f.IsExported() {
				continue // bookkeeping, not what the part says
			}
			cp := reflect.New(orig.Type())
			cp.Elem().Set(orig)
			if !tc.equal(tc.v, cp.Interface()) {
				t.Fatalf("%s: a copy is not Equal", tc.name)
			}
			changed := cp.Elem().Field(i)
			switch f.Type.Kind() {
			case reflect.String:
				changed.SetString(changed.String() + "x")
			case reflect.Map:
				m := reflect.MakeMap(f.Type) // empty: fewer entries than the original
				changed.Set(m)
			case reflect.Struct: // Health
				h := changed.Interface().(Health)
				h.Reasons = append([]string(nil), "other")
				changed.Set(reflect.ValueOf(h))
			default:
				t.Fatalf("%s.%s: a field of a kind this test cannot change (%s): teach it and Equal", tc.name, f.Name, f.Type)
			}
			if tc.equal(tc.v, cp.Interface()) {
				t.Errorf("%s.%s changed, yet Equal says the same", tc.name, f.Name)
			}
		}
	}
}

func TestAttrsEqual(t *testing.T) {
	kept := map[string]any{"x": []string{"a"}} // a part kept from the last scan: one map in both graphs
	for _, tc := range []struct {
		a, b map[string]any
		want bool
	}{
		{nil, map[string]any{}, true},
		{map[string]any{"x": 1}, map[string]any{"x": 1}, true},
		{map[string]any{"x": 1}, map[string]any{"x": int64(1)}, false}, // another type is another value
		{map[string]any{"x": 1}, map[string]any{"y": 1}, false},
		{map[string]any{"x": "a"}, map[string]any{"x": "b"}, false},
		{map[string]any{"x": []string{"a"}}, map[string]any{"x": []string{"a"}}, true},
		{map[string]any{"x": []string{"a"}}, map[string]any{"x": []string{"b"}}, false},
		{map[string]any{"x": 2.5}, map[string]any{"x": 2.5}, true},
		{map[string]any{"x": true}, map[string]any{"x": false}, false},
		{kept, kept, true},
	} {
		if got := attrsEqual(tc.a, tc.b, nil); got != tc.want {
			t.Errorf("attrsEqual(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestEqualExcept: attributes skip names do not count, on either side.
func TestEqualExcept(t *testing.T) {
	sensor := func(k string) bool { return IsSensorAttr(k) }
	a := &Component{ID: "host", Attrs: map[string]any{"model": "x", "sensor:temp": 41.0}}
	for _, tc := range []struct {
		b    *Component
		want bool
	}{
		{&Component{ID: "host", Attrs: map[string]any{"model": "x", "sensor:temp": 45.0}}, true},
		{&Component{ID: "host", Attrs: map[string]any{"model": "x"}}, true},
		{&Component{ID: "host", Attrs: map[string]any{"model": "y", "sensor:temp": 41.0}}, false},
		{&Component{ID: "host", Attrs: map[string]any{"model": "x", "serial": "1"}}, false},
	} {
		if got := a.EqualExcept(tc.b, sensor); got != tc.want {
			t.Errorf("EqualExcept(%v) = %v, want %v", tc.b.Attrs, got, tc.want)
		}
	}
	if a.Equal(&Component{ID: "host", Attrs: map[string]any{"model": "x", "sensor:temp": 45.0}}) {
		t.Error("Equal left out a sensor reading")
	}
}
