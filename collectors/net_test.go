package collectors

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestNetOnProcfsCapture: enp3s0f0's device link names the E810 at
// a2:00.0, which gets the interface; eth0's names 00:1f.6, a function
// the capture does not have, and nothing is invented for it. The RDMA
// devices have no device link in the capture: ib: components with the
// firmware and port state of their files.
func TestNetOnProcfsCapture(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	g := scan(t, root, "pcie", "net")
	if c, _ := g.Component("pci:0000:a2:00.0"); c == nil || c.Kind != topology.KindNIC || c.Attrs["netdev"] != "enp3s0f0" {
		t.Errorf("E810: %+v", c)
	}
	if _, ok := g.Component("pci:0000:00:1f.6"); ok {
		t.Error("a component made up for eth0's device")
	}
	ents, err := os.ReadDir(filepath.Join(root, "sys/class/infiniband"))
	if err != nil || len(ents) != 3 {
		t.Fatalf("infiniband class: %v", err)
	}
	for _, e := range ents {
		c, ok := g.Component("ib:" + e.Name())
		dir := "sys/class/infiniband/" + e.Name()
		if !ok || c.Firmware != fileValue(t, root, dir+"/fw_ver") || c.Attrs["board_id"] != fileValue(t, root, dir+"/board_id") {
			t.Errorf("%s: %+v", e.Name(), c)
		}
	}
	mlx5, _ := g.Component("ib:mlx5_0")
	if mlx5.Attrs["port1_state"] != "ACTIVE" || mlx5.Attrs["port1_rate_gbps"] != 25.0 || mlx5.Health.State != topology.StateOK {
		t.Errorf("mlx5_0 port 1 (state %q, rate %q): %+v", fileValue(t, root, "sys/class/infiniband/mlx5_0/ports/1/state"),
			fileValue(t, root, "sys/class/infiniband/mlx5_0/ports/1/rate"), mlx5)
	}
}

// TestFaultNICNoCarrier: node_exporter's eth0 (flags 0x1303: up) given a
// device link to the capture's I350 and its carrier file set to 0, as a
// pulled cable leaves it: the NIC is degraded, with the MAC and speed of
// its files. Then the carrier comes back but carrier_down_count grew:
// the link flapped between two scans.
func TestFaultNICNoCarrier(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	eth0 := filepath.Join(root, "sys/class/net/eth0")
	if err := os.Symlink("../../../devices/pci0000:40/0000:40:01.3/0000:45:00.0", filepath.Join(eth0, "device")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(eth0, "carrier"), "0\n")
	first := scan(t, root, "pcie", "net")
	nic, _ := first.Component("pci:0000:45:00.0")
	if nic == nil || nic.Attrs["netdev"] != "eth0" || nic.Attrs["mac"] != fileValue(t, root, "sys/class/net/eth0/address") ||
		nic.Attrs["speed_mbps"] != int64(1000) || nic.Health.State != topology.StateDegraded {
		t.Fatalf("I350 with eth0 down: %+v", nic)
	}
	write(t, filepath.Join(eth0, "carrier"), "1\n")
	write(t, filepath.Join(eth0, "carrier_down_count"), "4\n")
	reg, _ := New(Options{}).Select([]string{"pcie", "net"})
	second := reg.Scan(t.Context(), Env{Root: root}, first)
	nic, _ = second.Component("pci:0000:45:00.0")
	if nic.Health.State != topology.StateDegraded || nic.Health.Reasons[0] != "3 new carrier_down errors" {
		t.Errorf("after a flap: %+v", nic.Health)
	}
}
