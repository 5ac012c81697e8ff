package netclass

import (
	"errors"
	iofs "io/fs"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/prometheus/procfs/sysfs"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// captures with network interfaces and RDMA devices.
var captures = []string{
	"procfs/fixtures.tar.gz",
	"node_exporter/sys.tar.gz",
	"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2",
	"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
}

func eq(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// TestInterfacesMatchProcfs reads every interface of real trees and
// compares with procfs's reading of the same files. procfs reads an empty
// file (a capture of a down link, whose speed and carrier the kernel does
// not answer) as 0; we leave it out.
func TestInterfacesMatchProcfs(t *testing.T) {
	checked := 0
	for _, c := range captures {
		root := fixture.Root(t, c)
		sys := filepath.Join(root, "sys")
		ours, err := Interfaces(sys)
		if err != nil {
			continue // no net class in this capture
		}
		fs, err := sysfs.NewFS(sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range ours {
			want, err := fs.NetClassByIface(i.Name)
			if errors.Is(err, iofs.ErrNotExist) {
				continue // a link to a virtual device the capture left out (lo, br0)
			}
			if err != nil {
				t.Errorf("%s %s: procfs: %v", c, i.Name, err)
				continue
			}
			empty := func(p *int64, attr string) *int64 {
				if s, _ := readRaw(sys, i.Name, attr); s == "" {
					return nil
				}
				return p
			}
			if i.Address != want.Address || i.OperState != want.OperState || i.PhysPortName != want.PhysPortName ||
				i.Duplex != want.Duplex || !eq(i.Speed, empty(want.Speed, "speed")) || !eq(i.MTU, want.MTU) ||
				!eq(i.Carrier, empty(want.Carrier, "carrier")) || !eq(i.CarrierDownCount, want.CarrierDownCount) ||
				!eq(i.Flags, want.Flags) || len(i.Problems) != 0 {
				t.Errorf("%s %s: %+v\nprocfs: %+v", c, i.Name, i, want)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("compared %d interfaces", checked)
	}
}

// TestRDMADevicesMatchProcfs: every RDMA device procfs can read (it fails
// one without fw_ver, which hwloc's R910 capture's qib0 is), port by port.
func TestRDMADevicesMatchProcfs(t *testing.T) {
	checked := 0
	for _, c := range captures {
		root := fixture.Root(t, c)
		sys := filepath.Join(root, "sys")
		ours, err := RDMADevices(sys)
		if err != nil {
			continue
		}
		fs, err := sysfs.NewFS(sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ours {
			want, err := fs.InfiniBandDevice(d.Name)
			if err != nil {
				t.Logf("%s %s: procfs cannot read it: %v", c, d.Name, err)
				continue
			}
			if d.Firmware != want.FirmwareVersion || d.BoardID != want.BoardID || d.HCAType != want.HCAType ||
				d.NodeGUID != want.NodeGUID || len(d.Ports) != len(want.Ports) || len(d.Problems) != 0 {
				t.Errorf("%s %s: %+v\nprocfs: %+v", c, d.Name, d, want)
				continue
			}
			for _, p := range d.Ports {
				wp := want.Ports[p.Number]
				if p.State != wp.State || p.PhysState != wp.PhysState || p.LinkLayer != wp.LinkLayer || p.RateBytes != wp.Rate {
					t.Errorf("%s %s port %d: %+v\nprocfs: %+v", c, d.Name, p.Number, p, wp)
				}
				for name, v := range map[string]*uint64{"symbol_error": wp.Counters.SymbolError, "link_downed": wp.Counters.LinkDowned,
					"port_rcv_errors": wp.Counters.PortRcvErrors, "link_error_recovery": wp.Counters.LinkErrorRecovery} {
					if got, ok := p.Counters[name]; ok != (v != nil) || ok && got != *v {
						t.Errorf("%s %s port %d %s: %d (%v), procfs %v", c, d.Name, p.Number, name, got, ok, v)
					}
				}
				checked++
			}
		}
	}
	if checked < 2 {
		t.Errorf("compared %d ports", checked)
	}
}

// TestRDMADeviceWithoutFirmware: hwloc's R910 capture holds a QLogic HCA
// (qib0) without fw_ver: it is read all the same, firmware left out.
func TestRDMADeviceWithoutFirmware(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	devs, err := RDMADevices(filepath.Join(root, "sys"))
	if err != nil || len(devs) != 1 {
		t.Fatalf("%+v %v", devs, err)
	}
	d := devs[0]
	if d.Name != "qib0" || d.Firmware != "" || d.HCAType != "InfiniPath_QLE7340" || d.PCI != "0000:43:00.0" || len(d.Ports) != 1 ||
		d.Ports[0].State != "ACTIVE" || d.Ports[0].RateBytes != 40*125000000 || len(d.Problems) != 0 {
		t.Errorf("%+v", d)
	}
}

// TestRDMACountersNamed: with counters named, a port holds those of them
// present, each as a read of every counter has it, and no other; a name
// the port lacks is absent, not a problem.
func TestRDMACountersNamed(t *testing.T) {
	named := []string{"symbol_error", "link_downed", "port_rcv_errors", "no_such_counter"}
	checked := 0
	for _, c := range captures {
		sys := filepath.Join(fixture.Root(t, c), "sys")
		all, err := RDMADevices(sys)
		if err != nil {
			continue
		}
		some, err := RDMADevicesWith(sys, nil, named)
		if err != nil || len(some) != len(all) {
			t.Fatalf("%s: %d devices, %v; want %d", c, len(some), err, len(all))
		}
		for i, d := range some {
			if len(d.Problems) != 0 || len(d.Ports) != len(all[i].Ports) {
				t.Errorf("%s %s: %+v", c, d.Name, d)
				continue
			}
			for j, p := range d.Ports {
				want := map[string]uint64{}
				for _, n := range named {
					if v, ok := all[i].Ports[j].Counters[n]; ok {
						want[n] = v
					}
				}
				if len(want) == 0 {
					want = nil
				}
				if !reflect.DeepEqual(p.Counters, want) {
					t.Errorf("%s %s port %d: %v, want %v", c, d.Name, p.Number, p.Counters, want)
				}
				checked += len(want)
			}
		}
	}
	if checked < 3 {
		t.Errorf("compared %d counters", checked)
	}
}
