package topology

import (
	"maps"
	"reflect"
	"slices"
)

// Equal reports whether c and o say the same of a part: every field,
// attribute, counter and health reason. It is what a scan compares to
// tell an unchanged part from a changed one, a fraction of the cost of
// encoding both.
func (c *Component) Equal(o *Component) bool { return c.EqualExcept(o, nil) }

// EqualExcept is Equal leaving out the attributes skip names (sensor
// readings, for a record of what is judged against the next scan); nil
// skips none.
func (c *Component) EqualExcept(o *Component, skip func(attr string) bool) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.ID == o.ID && c.Kind == o.Kind && c.Name == o.Name && c.Parent == o.Parent &&
		c.Vendor == o.Vendor && c.Model == o.Model && c.Serial == o.Serial && c.Firmware == o.Firmware &&
		c.Health.Equal(o.Health) && maps.Equal(c.Counters, o.Counters) && attrsEqual(c.Attrs, o.Attrs, skip)
}

// Equal reports whether l and o say the same of a link, as
// Component.Equal does of a part.
func (l *Link) Equal(o *Link) bool {
	if l == nil || o == nil {
		return l == o
	}
	return l.ID == o.ID && l.Kind == o.Kind && l.From == o.From && l.To == o.To &&
		l.Health.Equal(o.Health) && maps.Equal(l.Counters, o.Counters) && attrsEqual(l.Attrs, o.Attrs, nil)
}

// sameMap reports whether a and b are one map.
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Equal reports whether two healths have the same state and reasons, in
// order.
func (h Health) Equal(o Health) bool {
	return h.State == o.State && slices.Equal(h.Reasons, o.Reasons)
}

// attrsEqual compares attribute maps, the scalars collectors set without
// reflection, leaving out those skip names.
func attrsEqual(a, b map[string]any, skip func(string) bool) bool {
	if len(a) > 0 && sameMap(a, b) {
		return true // a part kept from the last scan: Build borrows its map
	}
	if skip != nil {
		n := 0 // b's attributes compared
		for k := range b {
			if !skip(k) {
				n++
			}
		}
		for k := range a {
			if !skip(k) {
				n--
			}
		}
		if n != 0 {
			return false
		}
	} else if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		if skip != nil && skip(k) {
			continue
		}
		vb, ok := b[k]
		if !ok {
			return false
		}
		if !valueEqual(va, vb) {
			return false
		}
	}
	return true
}

// valueEqual compares two attribute values: the scalars collectors set
// by type, without reflection; anything else deeply. Values of two types
// differ.
func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		return scalarEqual(x, b)
	case int:
		return scalarEqual(x, b)
	case int64:
		return scalarEqual(x, b)
	case uint64:
		return scalarEqual(x, b)
	case float64:
		return scalarEqual(x, b)
	case bool:
		return scalarEqual(x, b)
	}
	return reflect.DeepEqual(a, b)
}

func scalarEqual[T string | int | int64 | uint64 | float64 | bool](x T, b any) bool {
	y, ok := b.(T)
	return ok && x == y
}
