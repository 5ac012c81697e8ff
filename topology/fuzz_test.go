package topology

import (
	"bytes"
	"io"
	"testing"
)

// FuzzReadJSON: `hwgraph cluster` and `hwgraph diff` read graphs that
// other machines wrote. Whatever decodes must render in every format and
// diff without a panic.
func FuzzReadJSON(f *testing.F) {
	g := Build(&Fragment{
		Components: []*Component{{ID: "numa:0", Kind: KindNUMANode}, {ID: "pci:0000:01:00.0", Kind: KindNVMe, Parent: "numa:0",
			Counters: map[string]uint64{"aer_correctable": 1}}},
		Links: []*Link{{ID: "numa:0~pci:0000:01:00.0", Kind: LinkPCIe, From: "numa:0", To: "pci:0000:01:00.0",
			Attrs: map[string]any{"width": 4, "max_width": 8}}},
	})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, g); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host","health":{"state":"ok"}},"components":[{"id":"a","parent":"a"}]}`))
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[null],"links":[null],"events":[null]}`))
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[{"id":"b","kind":"x","parent":"c"},{"id":"c","kind":"x","parent":"b"}],"links":[{"id":"b~z","from":"b","to":"z","attrs":{"width":0}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, format := range Formats {
			Render(io.Discard, g, format)
		}
		Diff(g, g, g.Time)
		Judge(g, g)
		MarkMissing(Build(), g)
		var out bytes.Buffer
		if err := WriteJSON(&out, g); err != nil {
			t.Fatalf("a graph that decoded does not encode: %v", err)
		}
		if _, err := ReadJSON(&out); err != nil {
			t.Fatalf("a graph that decoded does not decode again: %v", err)
		}
	})
}
