package topology

import (
	"encoding/json"
	"strconv"
)

// Number reads a numeric attribute whatever Go type holds it: collectors
// store ints and floats, a graph read back from JSON holds float64s.
func Number(attrs map[string]any, key string) (float64, bool) {
	switch v := attrs[key].(type) {
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// String reads a string attribute; other types give "".
func String(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
