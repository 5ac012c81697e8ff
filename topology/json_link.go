package topology

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
)

// appendLink appends l as encoding/json would write it. Links are most of
// a big machine's graph (2,016 NUMA pairs on a 64-node host, 144 NVLinks
// on a DGX) and all alike, so they skip reflection; values other than
// plain strings, integers and booleans still go through encoding/json.
func appendLink(b []byte, l *Link) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, l.ID)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, l.Kind)
	b = append(b, `,"from":`...)
	b = appendJSONString(b, l.From)
	b = append(b, `,"to":`...)
	b = appendJSONString(b, l.To)
	var err error
	if len(l.Attrs) > 0 {
		if b, err = appendObject(append(b, `,"attrs":`...), l.Attrs, appendJSONValue); err != nil {
			return nil, err
		}
	}
	if len(l.Counters) > 0 {
		b, _ = appendObject(append(b, `,"counters":`...), l.Counters, func(b []byte, v uint64) ([]byte, error) {
			return strconv.AppendUint(b, v, 10), nil
		})
	}
	b = append(b, `,"health":{"state":`...)
	b = appendJSONString(b, string(l.Health.State))
	if len(l.Health.Reasons) > 0 {
		b = append(b, `,"reasons":[`...)
		for i, r := range l.Health.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, r)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...), nil
}

// appendObject appends m as a JSON object with its keys sorted, as
// encoding/json writes maps.
func appendObject[V any](b []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		var err error
		if b, err = value(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONValue writes the common attribute types directly and leaves
// the rest (floats, whose shortest form encoding/json decides, slices,
// maps) to encoding/json.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONString quotes s as encoding/json does. Strings of printable
// ASCII without quotes, backslashes or the HTML-escaped <, > and & (IDs,
// kinds, states) are copied; others are encoded by encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
