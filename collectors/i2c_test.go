package collectors

import (
	"context"
	"syscall"
	"testing"
	"time"

	pi2c "periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/hwgraph/hwgraph/i2c"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestI2COnCaptures: node_exporter's i2c-3 (the I350's "igb BB" bus)
// hangs under pci:0000:45:00.0 with client 3-007c; the PA-RISC box's
// PIIX4 SMBus adapter i2c-0 under its function 00:01.3, its only I²C
// entry.
func TestI2COnCaptures(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "pcie", "i2c")
	a, ok := g.Component("i2c:3")
	if !ok || a.Parent != "pci:0000:45:00.0" || a.Name != "igb BB" || a.Kind != topology.KindI2CAdapter {
		t.Errorf("i2c-3: %+v", a)
	}
	c, ok := g.Component("i2c:3-007c")
	if !ok || c.Parent != "i2c:3" || c.Name != "i350bb" || c.Attrs["address"] != "0x7c" {
		t.Errorf("3-007c: %+v", c)
	}
	if l, ok := g.Link("i2c:3~i2c:3-007c"); !ok || l.Kind != topology.LinkI2C {
		t.Errorf("link %+v", l)
	}

	g = scan(t, fixture.Root(t, "hwloc/2pa-pcidomain32bits.tar.bz2"), "pcie", "i2c")
	n := 0
	for _, c := range g.Components {
		if c.Kind == topology.KindI2CAdapter || c.Kind == topology.KindI2CDevice {
			n++
		}
	}
	if a, _ := g.Component("i2c:0"); n != 1 || a == nil || a.Parent != "pci:0000:00:01.3" || a.Name != "SMBus PIIX4 adapter at 0700" {
		t.Errorf("%d I2C components; i2c:0 %+v", n, a)
	}
}

// TestFaultI2CBusLockup: an allow-listed read on the I350's bus that
// never returns (an i2ctest playback held, as a slave holding SDA low
// holds the kernel's transfer) marks the bus locked within the scan, and
// the scan finishes on time.
func TestFaultI2CBusLockup(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	p := &i2c.Prober{Targets: []i2c.Target{{Bus: 3, Addr: 0x7c, Len: 1}}, Timeout: 100 * time.Millisecond,
		Open: func(int) (pi2c.BusCloser, error) { return &heldBus{release: release}, nil }}
	reg := &Registry{}
	reg.Register(&I2C{Prober: p})
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	g := reg.Scan(ctx, Env{Root: root}, nil)
	// The probe's own 100 ms deadline ends it, not the scan's 5 s one.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("scan took %v with a locked bus: the probe's deadline did not end it", d)
	}
	a, _ := g.Component("i2c:3")
	if a == nil || a.Health.State != topology.StateFailed || a.Attrs[topology.AttrI2CBusLocked] != 1 || a.Counters["i2c_timeouts"] != 1 {
		t.Errorf("locked bus: %+v", a)
	}
	if st := status(g, "i2c"); st.State != "ok" {
		t.Errorf("collector %+v", st)
	}
}

// heldBus is an i2ctest playback whose transfer does not return until
// the test ends.
type heldBus struct {
	i2ctest.Playback
	release chan struct{}
}

func (b *heldBus) Tx(uint16, []byte, []byte) error {
	<-b.release
	return syscall.ETIMEDOUT
}
