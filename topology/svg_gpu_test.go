//go:build cgo

package topology_test

import (
	"context"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/nvmlmock"
	"github.com/hwgraph/hwgraph/topology"
)

// TestSVGNVLinkHost: go-nvml's DGX H100 mock, eight GPUs each reaching
// six NVSwitches: every GPU and switch is a box, every NVLink a curve
// with its state, and a link taken down is drawn failed.
func TestSVGNVLinkHost(t *testing.T) {
	srv := dgxh100.New()
	fb := nvmlmock.Switched()
	fb.Down[[2]int{3, 0}] = true
	nvmlmock.Wire(srv, fb)
	reg, err := collectors.New(collectors.Options{NVML: nvmlmock.Library(srv)}).Select([]string{"gpu"})
	if err != nil {
		t.Fatal(err)
	}
	g := reg.Scan(context.Background(), collectors.Env{Root: fixture.Dir(t)}, nil)
	s := svg(t, g, topology.SVGOptions{})
	parts, links := drawn(t, s)
	gpus, switches, nvlinks := 0, 0, 0
	for id := range parts {
		switch {
		case strings.HasPrefix(id, "pci:"):
			gpus++
		case strings.HasPrefix(id, "nvswitch:"):
			switches++
		}
	}
	failed := 0
	for _, l := range g.Links {
		if l.Kind != topology.LinkNVLink {
			continue
		}
		nvlinks++
		st, ok := links[l.ID]
		if !ok {
			t.Errorf("NVLink %s not drawn", l.ID)
		}
		if st == string(topology.StateFailed) {
			failed++
		}
	}
	if gpus != 8 || switches != 6 || nvlinks < 48 || failed != 1 {
		t.Errorf("%d GPUs, %d NVSwitches, %d NVLinks (%d failed) drawn", gpus, switches, nvlinks, failed)
	}
}
