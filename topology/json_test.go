package topology

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestReadJSONRefuses: what a broken or hostile agent could answer is an
// error naming the fault, never a graph that crashes what reads it (a
// null component made `cluster` die with SIGSEGV in reindex).
func TestReadJSONRefuses(t *testing.T) {
	const head = `{"schema":1,"host":{"id":"host","kind":"host","health":{"state":"ok"}}`
	for _, tc := range []struct{ name, doc, want string }{
		{"a null component", head + `,"components":[null]}`, "components[0]: null"},
		{"a null link", head + `,"links":[null]}`, "links[0]: null"},
		{"a null host", `{"schema":1,"host":null}`, "no host"},
		{"no schema", `{"host":{"id":"host","kind":"host"}}`, "schema 0"},
		{"a component without an ID", head + `,"components":[{"kind":"nic"}]}`, "components[0]: empty ID"},
		{"a component without a kind", head + `,"components":[{"id":"pci:0000:01:00.0"}]}`, "no kind"},
		{"a wrong type", head + `,"components":[{"id":5,"kind":"nic"}]}`, "cannot unmarshal number"},
		{"an attribute that is an object", head + `,"components":[{"id":"a","kind":"nic","attrs":{"x":{"y":1}}}]}`, `attribute "x"`},
		{"an unknown health state", head + `,"components":[{"id":"a","kind":"nic","health":{"state":"on fire"}}]}`, `health state "on fire"`},
		{"a link without an end", head + `,"links":[{"id":"a~b","from":"a"}]}`, "to: empty ID"},
		{"an ID of a megabyte", head + `,"components":[{"id":"` + strings.Repeat("x", 1<<20) + `","kind":"nic"}]}`, "longer than 512"},
		{"not JSON", `<html>502 Bad Gateway</html>`, "invalid character"},
		{"truncated", head + `,"components":[{"id":"a","ki`, "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ReadJSON(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("graph %v, error %v; want an error with %q", g, err, tc.want)
			}
		})
	}
}

// TestReadJSONLimits: a document or a list past its limit is refused
// before more of it is read.
func TestReadJSONLimits(t *testing.T) {
	g := Build(&Fragment{Components: []*Component{{ID: "numa:0", Kind: KindNUMANode}, {ID: "numa:1", Kind: KindNUMANode}},
		Links: []*Link{{ID: "numa:0~numa:1", Kind: LinkNUMAInterconnect, From: "numa:0", To: "numa:1"}}})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, g); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSONLimited(bytes.NewReader(buf.Bytes()), DefaultLimits); err != nil {
		t.Fatalf("within the limits: %v", err)
	}
	for _, tc := range []struct {
		lim  Limits
		want string
	}{
		{Limits{MaxBytes: 100, MaxComponents: 10, MaxLinks: 10, MaxEvents: 10}, "larger than 100 bytes"},
		{Limits{MaxBytes: 1 << 20, MaxComponents: 1, MaxLinks: 10, MaxEvents: 10}, "2 components, more than 1"},
		{Limits{MaxBytes: 1 << 20, MaxComponents: 10, MaxLinks: 0, MaxEvents: 10}, "1 links, more than 0"},
	} {
		if _, err := ReadJSONLimited(bytes.NewReader(buf.Bytes()), tc.lim); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.lim, err, tc.want)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"90s", now.Add(-90 * time.Second), false},
		{"1h", now.Add(-time.Hour), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"1.5d", now.Add(-36 * time.Hour), false},
		{"2026-11-30T00:00:00Z", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), false},
		{"-1h", time.Time{}, true},
		{"0s", time.Time{}, true},
		{"garbage", time.Time{}, true},
		{"d", time.Time{}, true},
		{"2027-01-01T00:00:00Z", time.Time{}, true},
	} {
		got, err := ParseSince(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v", tc.in, got, err)
		}
	}
}
