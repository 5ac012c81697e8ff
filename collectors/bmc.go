package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/ipmi"
	"github.com/hwgraph/hwgraph/topology"
)

// BMC reads the baseboard management controller over IPMI: in-band
// through /dev/ipmi0 on the live machine, or over RMCP+ (lanplus) when
// Host is set. It shows the BMC's identity and firmware, its sensors
// (on the component their entity names, else on bmc:0), the chassis
// power state, and turns new System Event Log entries into events. It
// only reads: no command it sends changes the BMC's state.
type BMC struct {
	// Host is the BMC's LAN address, "10.0.0.5" or "10.0.0.5:623".
	Host string
	User string
	// Password comes from a file or the environment (see the CLI), never
	// from the command line, and is never printed.
	Password string
	// CipherSuite is the RMCP+ cipher suite (0: let the client choose;
	// 3 and 17 are the common ones).
	CipherSuite int
	// Timeout bounds one IPMI request (default 2s).
	Timeout time.Duration
	// State keeps the SEL cursor across restarts; nil keeps it in
	// memory only.
	State State
	// SkipChassis leaves out Get Chassis Status, for BMCs that mishandle
	// it (OpenIPMI's ipmi_sim 1.0.13 exits on it).
	SkipChassis bool
	// Replay, when set, is a capture's recorded read, answered instead
	// of a BMC; Record is given every read of a real one, for a capture.
	Replay *ipmi.Recording
	Record func(ipmi.Recording)

	mu     sync.Mutex
	cursor *selCursor
}

func init() {
	register("bmc", func(o Options) Collector {
		return &BMC{Host: o.BMC.Host, User: o.BMC.User, Password: o.BMC.Password, CipherSuite: o.BMC.CipherSuite,
			SkipChassis: o.BMC.SkipChassis, State: o.State, Replay: o.BMCReplay, Record: o.BMCRecord}
	})
}

// Name implements Collector.
func (*BMC) Name() string { return "bmc" }

// Reads implements Collector: the BMC is recorded, not read from files.
func (*BMC) Reads() []capture.Read { return nil }

// ipmiDevices are where the kernel's ipmi_devintf puts the in-band device.
var ipmiDevices = []string{"dev/ipmi0", "dev/ipmi/0", "dev/ipmidev/0"}

func (b *BMC) client(env Env) (*client.Client, string, error) {
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if b.Host == "" {
		if !env.Live() {
			return nil, "", ErrAbsent // a capture has no BMC to talk to
		}
		for _, d := range ipmiDevices {
			if _, err := os.Stat(filepath.Join("/", d)); err == nil {
				c, err := client.NewOpenClient()
				if err != nil {
					return nil, "", err
				}
				return c.WithTimeout(timeout), "open", nil
			}
		}
		return nil, "", ErrAbsent
	}
	host, port := b.Host, 623
	if h, p, err := net.SplitHostPort(b.Host); err == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil {
			return nil, "", errors.New("bad port")
		}
	}
	c, err := client.NewClient(host, port, b.User, b.Password)
	if err != nil {
		return nil, "", err
	}
	c = c.WithTimeout(timeout).WithRetry(1)
	if b.CipherSuite > 0 {
		c = c.WithCipherSuiteID(types.CipherSuiteID(b.CipherSuite))
	}
	return c, "lanplus", nil
}

// read reads the BMC, or replays a recorded read.
func (b *BMC) read(ctx context.Context, env Env) (info *ipmi.Info, transport, address string, err error) {
	if b.Replay != nil {
		info, err = b.Replay.Replay()
		return info, b.Replay.Transport, b.Replay.Address, err
	}
	c, transport, err := b.client(env)
	if err != nil {
		return nil, "", "", err
	}
	if err := c.Connect(ctx); err != nil {
		// Wrong password, no BMC at the address, a BMC that stopped
		// answering: all end here, with go-ipmi's reason.
		return nil, "", "", fmt.Errorf("connect: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	info, err = ipmi.Read(ctx, c, ipmi.Options{SkipChassis: b.SkipChassis})
	if b.Record != nil {
		b.Record(ipmi.Record(transport, b.Host, info, err))
	}
	return info, transport, b.Host, err
}

// Collect implements Collector.
func (b *BMC) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	info, transport, address, rerr := b.read(ctx, env)
	if errors.Is(rerr, ErrAbsent) {
		return nil, rerr
	}
	if info == nil {
		return nil, fmt.Errorf("bmc %s: %w", b.where(), rerr)
	}
	f := &topology.Fragment{}
	for _, e := range info.Problems {
		f.Problem(e.Error())
	}
	bmc := f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC, Name: "BMC", Parent: topology.HostID,
		Vendor: manufacturer(info.Device.ManufacturerID), Model: fmt.Sprintf("product %#04x", info.Device.ProductID),
		Firmware: info.Device.Firmware})
	bmc.SetAttr("ipmi_version", info.Device.IPMIVersion)
	bmc.SetAttr("ipmi_transport", transport)
	bmc.SetAttr("manufacturer_id", info.Device.ManufacturerID)
	if info.Device.GUID != "" {
		bmc.SetAttr("guid", info.Device.GUID)
	}
	if address != "" {
		bmc.SetAttr("bmc_address", address)
	}
	for _, s := range info.Sensors {
		addSensor(f, s)
	}
	if p := info.Power; p != nil {
		// The system's draw, as a sensor of the host (exported as
		// hwgraph_sensor_value), with DCMI's statistics beside it.
		host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
		host.SetSensor(topology.Sensor{Name: powerSensorName, Value: &p.Current, Unit: "Watts",
			Extra: map[string]float64{"minimum": p.Minimum, "maximum": p.Maximum, "average": p.Average, "period_seconds": p.Period.Seconds()}})
	}
	if ch := info.Chassis; ch != nil {
		host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
		host.SetAttr("chassis_power", map[bool]string{true: "on", false: "off"}[ch.PowerOn])
		if ch.PowerFault || ch.PowerOverload || ch.PowerControlFault {
			host.Health.Mark(topology.StateDegraded, "BMC reports a power fault")
		}
	}
	if rerr != nil {
		// Keep what was read; the SEL cursor stays put.
		return f, fmt.Errorf("bmc %s: %w", b.where(), rerr)
	}
	events, err := b.newSEL(info.SEL)
	if err != nil {
		f.Problem(err.Error())
	}
	f.Events = append(f.Events, events...)
	return f, nil
}

// powerSensorName is the DCMI power reading's sensor on the host.
const powerSensorName = "System Power (DCMI)"

func (b *BMC) where() string {
	if b.Host == "" {
		return "in-band"
	}
	return b.Host
}

// sensorTarget is the component a sensor describes, by its IPMI entity ID
// (IPMI 2.0 table 43-13): a power supply's sensors go to psu:INSTANCE,
// the system board's and chassis' (inlet, ambient, board voltages) to the
// host, the rest to the BMC that reads them. Processor and DIMM instances
// are numbered by each BMC its own way, so those stay on the BMC rather
// than be pinned to a guessed package or slot.
func sensorTarget(f *topology.Fragment, s ipmi.Sensor) *topology.Component {
	switch s.EntityID {
	case 0x0a: // power supply
		id := topology.PSUID(int(s.EntityInstance))
		return f.Add(&topology.Component{ID: id, Kind: "psu", Name: fmt.Sprintf("power supply %d", s.EntityInstance), Parent: topology.BMCID})
	case 0x07, 0x17: // system board, system chassis
		return f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
	}
	return f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC})
}

// addSensor records a reading (topology.Sensor) and judges its
// threshold state.
func addSensor(f *topology.Fragment, s ipmi.Sensor) {
	c := sensorTarget(f, s)
	rec := topology.Sensor{Name: s.Name}
	if s.HasValue {
		rec.Value, rec.Unit = &s.Value, s.Unit
	}
	if !math.IsNaN(s.UpperCritical) {
		rec.UpperCritical = &s.UpperCritical
	}
	c.SetSensor(rec)
	why := fmt.Sprintf("%s %s %s", s.Name, strconv.FormatFloat(s.Value, 'f', -1, 64), s.Unit)
	switch s.Status {
	case "unc", "lnc":
		c.Health.Mark(topology.StateDegraded, why+" past its non-critical threshold")
	case "ucr", "lcr":
		c.Health.Mark(topology.StateDegraded, why+" past its critical threshold")
	case "unr", "lnr":
		c.Health.Mark(topology.StateFailed, why+" past its non-recoverable threshold")
	}
}

// selCursor is the last SEL entry reported: record IDs are handles, not
// a sequence, so the entry's time is kept too, to find our place again
// after the SEL was cleared or wrapped.
type selCursor struct {
	RecordID uint16 `json:"record_id"`
	Time     int64  `json:"time"`
}

const selStateFile = "bmc-sel.json"

// newSEL returns the entries after the cursor as events and moves it.
// A cursor that cannot be read or saved is an error; the events are
// still returned.
func (b *BMC) newSEL(entries []ipmi.SELEntry) ([]topology.Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var problems []error
	if b.cursor == nil && b.State != nil {
		data, err := b.State.ReadState(selStateFile)
		var c selCursor
		switch {
		case err == nil && json.Unmarshal(data, &c) == nil:
			b.cursor = &c
		case err == nil:
			damage := fmt.Errorf("bmc SEL cursor %s: not a cursor; reading the SEL from its start", selStateFile)
			b.State.ReportDamage(selStateFile, damage)
			problems = append(problems, damage)
		case !errors.Is(err, fs.ErrNotExist):
			problems = append(problems, fmt.Errorf("bmc SEL cursor: %w", err))
		}
	}
	start := 0
	if cur := b.cursor; cur != nil {
		start = -1
		for i, e := range entries {
			if e.RecordID == cur.RecordID && e.Time.Unix() == cur.Time {
				start = i + 1
			}
		}
		if start < 0 {
			// Our entry is gone (cleared): what is newer than it is new.
			start = len(entries)
			for i, e := range entries {
				if e.Time.Unix() >= cur.Time {
					start = i
					break
				}
			}
		}
	}
	var out []topology.Event
	for _, e := range entries[start:] {
		out = append(out, topology.Event{Time: e.Time, Kind: "sel", Component: topology.BMCID,
			Severity: selSeverity(e), Message: fmt.Sprintf("SEL %#04x %s: %s", e.RecordID, e.Type, e.Text), Source: "ipmi"})
	}
	if len(entries) > 0 {
		last := entries[len(entries)-1]
		b.cursor = &selCursor{RecordID: last.RecordID, Time: last.Time.Unix()}
		if b.State != nil {
			data, _ := json.Marshal(b.cursor) // two integers: cannot fail
			if err := b.State.WriteState(selStateFile, data); err != nil {
				problems = append(problems, fmt.Errorf("bmc SEL cursor: %w", err))
			}
		}
	}
	return out, errors.Join(problems...)
}

// selSeverity grades an entry by what it is about.
func selSeverity(e ipmi.SELEntry) string {
	switch e.Type {
	case "Memory", "Processor", "Power Supply", "Critical Interrupt", "Power Unit", "Drive Slot", "Drive Slot (Bay)":
		if e.Assertion {
			return topology.SeverityCritical
		}
	}
	return topology.SeverityWarning
}

// manufacturer names the common BMC vendors by IANA enterprise number.
func manufacturer(id uint32) string {
	names := map[uint32]string{2: "IBM", 11: "HPE", 343: "Intel", 674: "Dell", 4753: "MontaVista (OpenIPMI)",
		7154: "IPMI Forum", 10876: "Supermicro", 19046: "Lenovo", 20974: "American Megatrends", 7244: "Quanta",
		11129: "Google", 40981: "Inspur", 2011: "Huawei", 42: "Sun"}
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("IANA %d", id)
}
