package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	pi2c "periph.io/x/conn/v3/i2c"
	"periph.io/x/host/v3/sysfs"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/i2c"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// I2C draws the I²C and SMBus adapters under the device that owns them
// (the PCH's SMBus controller, a NIC's or GPU's I²C engine, a mux) and
// their clients under them. It reads sysfs only; when Prober is set
// (`--i2c-read`, opt-in and allow-listed) it also reads the listed
// devices, read-only and under a deadline, and a bus whose transfers time
// out is failed: locked up.
type I2C struct {
	Prober *i2c.Prober
	// Walk keeps a capture's device-tree walk between scans (a tree
	// without /sys/bus/i2c); nil walks every scan.
	Walk *memo.Memo[map[int]string]
}

// Invalidate implements Invalidator.
func (c *I2C) Invalidate() { c.Walk.Forget() }

func init() {
	register("i2c", func(o Options) Collector {
		return &I2C{Prober: o.I2CProber, Walk: &memo.Memo[map[int]string]{MaxAge: o.fullScanInterval()}}
	})
	registerFlags(func(f Flags) func(*Options, bool) error {
		list := f.Flag("i2c-read", "Opt-in: read these I2C devices, read-only, to detect locked buses: BUS:ADDR[:LEN],… (live machine only; nothing is ever written).").String()
		return func(o *Options, live bool) error {
			if *list == "" {
				return nil
			}
			p, err := i2cProber(*list, live)
			if err != nil {
				return fmt.Errorf("--i2c-read: %w", err)
			}
			o.I2CProber = p
			return nil
		}
	})
}

// i2cProber reads the allow-list for periph's Linux /dev/i2c-N driver.
func i2cProber(list string, live bool) (*i2c.Prober, error) {
	if !live {
		return nil, errors.New("reads the live machine's buses; it cannot be used with --root")
	}
	targets, err := i2c.ParseTargets(list)
	if err != nil {
		return nil, err
	}
	return &i2c.Prober{Targets: targets, Open: func(bus int) (pi2c.BusCloser, error) {
		return sysfs.NewI2C(bus)
	}}, nil
}

// Name implements Collector.
func (*I2C) Name() string { return "i2c" }

// Reads implements Collector. The opt-in probe reads the live buses, not
// files.
func (*I2C) Reads() []capture.Read { return capture.Paths(i2c.Files...) }

// Collect implements Collector.
func (c *I2C) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	var adapters []i2c.Adapter
	var err error
	if env.Live() {
		adapters, err = i2c.ReadLiveAdapters(env.Path("sys"))
	} else {
		adapters, err = i2c.ReadAdaptersWith(env.Path("sys"), c.Walk) // a capture may lack the bus folder: walk the tree
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	var states map[int]i2c.BusState
	if c.Prober != nil {
		c.Prober.Round(ctx)
		states = c.Prober.States()
	}
	f := &topology.Fragment{}
	for _, a := range adapters {
		for _, e := range a.Problems {
			f.Problem(e.Error())
		}
		st, probed := states[a.Bus]
		id := adapterComponent(f, a, st, probed)
		kind := topology.LinkI2C
		if strings.Contains(strings.ToLower(a.Name), "smbus") {
			kind = topology.LinkSMBus
		}
		for _, cl := range a.Clients {
			cid := topology.I2CClientID(cl.Bus, cl.Addr)
			cc := f.Add(&topology.Component{ID: cid, Kind: topology.KindI2CDevice, Name: cl.Name, Parent: id})
			cc.SetAttr("address", fmt.Sprintf("%#02x", cl.Addr))
			if r := i2c.Role(cl.Addr); r != "" {
				cc.SetAttr("role", r)
			}
			for k, v := range map[string]string{"driver": cl.Driver, "hwmon": cl.Hwmon} {
				if v != "" {
					cc.SetAttr(k, v)
				}
			}
			if cl.EEPROM {
				cc.SetAttr("eeprom", true)
			}
			if probed && slices.Contains(st.Absent, fmt.Sprintf("%#02x", cl.Addr)) {
				cc.Health.Mark(topology.StateDegraded, "did not acknowledge its address")
			}
			f.AddLink(&topology.Link{ID: topology.LinkID(id, cid, 0), Kind: kind, From: id, To: cid})
		}
	}
	return f, nil
}

// adapterComponent adds i2c:N under its owner and returns its ID.
func adapterComponent(f *topology.Fragment, a i2c.Adapter, st i2c.BusState, probed bool) string {
	id := topology.I2CAdapterID(a.Bus)
	c := f.Add(&topology.Component{ID: id, Kind: topology.KindI2CAdapter, Name: a.Name, Parent: topology.HostID})
	if _, err := pcie.ParseAddress(a.Parent); err == nil {
		c.Parent = topology.PCIID(a.Parent)
	} else if bus, addr, ok := i2c.ParseClientName(a.Parent); ok {
		c.Parent = topology.I2CClientID(bus, addr) // a mux channel, under the mux
	} else if a.Parent != "" {
		c.SetAttr("parent_device", a.Parent)
	}
	c.SetAttr("bus", a.Bus)
	if !probed {
		return id
	}
	locked := 0
	if st.Locked || st.Hung {
		locked = 1
	}
	c.SetAttr(topology.AttrI2CBusLocked, locked)
	c.Counters = map[string]uint64{"i2c_timeouts": st.Timeouts, "i2c_nacks": st.NACKs}
	switch {
	case st.Hung:
		c.Health.Mark(topology.StateFailed, "bus locked: "+st.LastErr+" (the transfer has not returned)")
	case st.Locked:
		c.Health.Mark(topology.StateFailed, "bus locked: "+st.LastErr)
	}
	return id
}
