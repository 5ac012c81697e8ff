package collectors

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/bougou/go-ipmi/pkg/hal/mock"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/testkit/bmcsim"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/nvmlmock"
	"github.com/hwgraph/hwgraph/ipmi"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/topology"
)

// TestRecordAndReplayLiveSources: go-nvml's DGX H100 mock and a BMC —
// go-ipmi's reference BMC, and OpenIPMI's ipmi_sim, which also answers
// sensor readings — are read once, their answers kept in a capture's
// manifest, and replayed over the captured tree where neither exists:
// the same graph, with eight GPUs, their 96 NVLinks to six NVSwitches,
// the BMC and its inlet temperature sensor.
func TestRecordAndReplayLiveSources(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bmc      func(t *testing.T) BMCTarget
		firmware string
		sensor   func(topology.Sensor) bool // the inlet temperature replayed
	}{
		{"go-ipmi", func(t *testing.T) BMCTarget {
			h := mock.New()
			if err := h.Storage().SDR().Write(t.Context(), 1, bmcsim.InletTempRecord()); err != nil {
				t.Fatal(err)
			}
			return BMCTarget{Host: bmcsim.StartGoIPMIOn(t, h), User: "admin", Password: bmcsim.Password}
		}, "2.47", func(s topology.Sensor) bool { return s.Unit == "degrees C" }}, // it reads no sensor values
		{"ipmi_sim", func(t *testing.T) BMCTarget {
			return BMCTarget{Host: bmcsim.StartIPMISim(t, nil).Addr, User: "admin", Password: bmcsim.Password, CipherSuite: 3, SkipChassis: true}
		}, "9.08", func(s topology.Sensor) bool { return s.Value != nil && *s.Value == 35 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := dgxh100.New()
			nvmlmock.Wire(srv, nvmlmock.Switched())
			rec := &nvgpu.Recorder{Library: nvmlmock.Library(srv)}
			var recorded *ipmi.Recording
			root := fixture.Root(t, "ghw/linux-amd64-accel-nvidia.tar.gz")
			live := New(Options{NVML: rec, BMC: tc.bmc(t), BMCRecord: func(r ipmi.Recording) { recorded = &r }}).
				Scan(t.Context(), Env{Root: root}, nil)
			if recorded == nil || len(rec.Calls()) == 0 {
				t.Fatalf("nothing recorded: BMC %v, %d NVML calls", recorded, len(rec.Calls()))
			}

			dir := t.TempDir()
			m := &capture.Manifest{Format: capture.Format, NVML: rec.Calls(), BMC: recorded}
			if err := m.Write(dir); err != nil {
				t.Fatal(err)
			}
			m, err := capture.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			replayed := New(Options{NVML: nvgpu.NewReplay(m.NVML), BMCReplay: m.BMC}).Scan(t.Context(), Env{Root: root}, nil)

			if want, got := comparable(t, live), comparable(t, replayed); got != want {
				t.Errorf("replayed graph differs:\n%s\nrecorded:\n%s", got, want)
			}
			gpus, nvlinks := 0, 0
			for _, c := range replayed.Components {
				if c.Kind == topology.KindGPU && c.Attrs["uuid"] != nil {
					gpus++
				}
			}
			for _, l := range replayed.Links {
				if l.Kind == topology.LinkNVLink {
					nvlinks++
				}
			}
			if gpus != 8 || nvlinks != 96 {
				t.Errorf("replayed %d GPUs and %d NVLinks, want 8 and 96", gpus, nvlinks)
			}
			if b, ok := replayed.Component(topology.BMCID); !ok || b.Firmware != tc.firmware {
				t.Errorf("replayed BMC %+v, want firmware %s", b, tc.firmware)
			}
			if s, ok := replayed.Host.Sensor("Inlet Temp"); !ok || !tc.sensor(s) {
				b, _ := replayed.Component(topology.BMCID)
				t.Errorf("replayed Inlet Temp = %+v, %v; host %v bmc %v %v", s, ok, replayed.Host.Attrs, b.Attrs, recorded)
			}
			for _, st := range replayed.Collectors {
				if (st.Name == "gpu" || st.Name == "bmc") && st.State != "ok" {
					t.Errorf("collector %+v", st)
				}
			}
		})
	}
}

// comparable is a graph's JSON without its time and durations.
func comparable(t *testing.T, g *topology.Graph) string {
	t.Helper()
	for i := range g.Collectors {
		g.Collectors[i].DurationSeconds = 0
	}
	b, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, ` "time":`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
