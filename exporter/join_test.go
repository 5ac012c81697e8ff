package exporter

import (
	"encoding/binary"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/topology"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/nvme"
	"github.com/hwgraph/hwgraph/scan"
)

// TestJoinLabels: the labels that join hwgraph's series with
// node_exporter's and dcgm-exporter's, read from real captures; the
// values are those node_exporter gives the same trees (node_nvme_info's
// device="nvme0", node_network_info's device="enp3s0f0").
func TestJoinLabels(t *testing.T) {
	for _, tc := range []struct {
		capture, id string
		want        join
	}{
		{"node_exporter/sys.tar.gz", "pci:0000:01:00.0", join{pciBusID: "00000000:01:00.0", device: "nvme0"}},
		{"procfs/fixtures.tar.gz", "pci:0000:a2:00.0", join{pciBusID: "00000000:A2:00.0", device: "enp3s0f0"}},
		{"procfs/fixtures.tar.gz", "disk:naa.5000cca26128b1f4", join{device: "sdw"}},
		{"procfs/fixtures.tar.gz", "block:nvme0n1", join{device: "nvme0n1"}},
		{"hwloc/2pa-pcidomain32bits.tar.bz2", "pci:10000:00:04.0", join{pciBusID: "00010000:00:04.0"}},
		{"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", "dimm:DIMM-A1", join{partNumber: "HMT351R7CFR8C-PB"}},
	} {
		s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, tc.capture)}}}
		g := s.Scan(t.Context())
		c, ok := g.Component(tc.id)
		if !ok {
			t.Errorf("%s: no %s", tc.capture, tc.id)
			continue
		}
		if got := joinLabels(c); got != tc.want {
			t.Errorf("%s %s: join labels %+v, want %+v", tc.capture, tc.id, got, tc.want)
		}
	}
}

// TestJoinLabelsGPU: a GPU joins dcgm-exporter's series by its UUID, its
// PCI bus ID in NVML's spelling, and its device node (the GPU collector's
// minor number, read from NVML: TestGPUOverDGXMocks).
func TestJoinLabelsGPU(t *testing.T) {
	c := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindGPU,
		Attrs: map[string]any{"uuid": "GPU-1c2b08c1-f602-d290-4519-863bc0c96079", "minor_number": 3}}
	want := join{pciBusID: "00000000:3B:00.0", uuid: "GPU-1c2b08c1-f602-d290-4519-863bc0c96079", device: "nvidia3"}
	if got := joinLabels(c); got != want {
		t.Errorf("join labels %+v, want %+v", got, want)
	}
}

// TestUnitFamilies: on node_exporter's capture, link speeds are in
// transfers per second and hwmon's readings in one family per unit, the
// values node_exporter gives the same files (node_hwmon_fan_rpm 1098 for
// nct6779 fan2; node_hwmon_temp_celsius 55 for hwmon4's foosensor).
func TestUnitFamilies(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "node_exporter/sys.tar.gz")}}}
	s.Scan(t.Context())
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()
	_, b := httpGet(t, srv, "/metrics")
	for _, want := range []string{
		`hwgraph_link_speed_transfers_per_second{from="pci:0000:00:02.1",id="pci:0000:00:02.1~pci:0000:01:00.0",kind="pcie",to="pci:0000:01:00.0"} 8e+09`,
		`hwgraph_sensor_fan_speed_rpm{id="host",sensor="nct6779 fan2"} 1098`,
		`hwgraph_sensor_temperature_celsius{id="host",sensor="hwmon4 foosensor"} 55`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(b, "hwgraph_sensor_value{") {
		t.Errorf("a hwmon reading fell into hwgraph_sensor_value")
	}
}

// TestFaultNVMeHealthFamilies: node_exporter's NVMe controller answering
// a health log that warns of its reliability (bit 2) at 57% spare of a
// 10% threshold, 3% used, 44.85 °C and 7 media errors: each value is in
// its family, as the alert rules read them.
func TestFaultNVMeHealthFamilies(t *testing.T) {
	page := make([]byte, nvme.SMARTLogSize)
	page[0] = nvme.WarnReliability
	binary.LittleEndian.PutUint16(page[1:], 318)
	page[3], page[4], page[5] = 57, 10, 3
	binary.LittleEndian.PutUint64(page[160:], 7)
	reg := collectors.New(collectors.Options{NVMeReplay: map[string][]byte{"nvme0": page}})
	g := (&scan.Engine{Source: &scan.Machine{Registry: reg, Env: collectors.Env{Root: fixture.Root(t, "node_exporter/sys.tar.gz")}}}).Scan(t.Context())
	var b strings.Builder
	if err := WriteText(&b, g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`hwgraph_nvme_critical_warning{id="pci:0000:01:00.0"} 4`,
		`hwgraph_nvme_available_spare_ratio{id="pci:0000:01:00.0"} 0.57`,
		`hwgraph_nvme_available_spare_threshold_ratio{id="pci:0000:01:00.0"} 0.1`,
		`hwgraph_nvme_percentage_used{id="pci:0000:01:00.0"} 3`,
		`hwgraph_nvme_temperature_celsius{id="pci:0000:01:00.0"} 44.85`,
		`hwgraph_nvme_media_errors_total{id="pci:0000:01:00.0"} 7`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("no %s", want)
		}
	}
}
