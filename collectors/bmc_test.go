package collectors

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/handlers"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/bmcsim"
	"github.com/hwgraph/hwgraph/topology"
)

func bmcScan(t *testing.T, c *BMC) *topology.Graph {
	t.Helper()
	reg := &Registry{}
	reg.Register(c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return reg.Scan(ctx, Env{Root: "/"}, nil)
}

// TestBMCAgainstIPMISim: OpenIPMI's simulator, read by us and by ipmitool:
// the same firmware revision, IPMI version and sensor reading.
func TestBMCAgainstIPMISim(t *testing.T) {
	sim := bmcsim.StartIPMISim(t, nil)
	g := bmcScan(t, &BMC{Host: sim.Addr, User: "admin", Password: bmcsim.Password, CipherSuite: 3, SkipChassis: true})
	if st := status(g, "bmc"); st.State != "ok" {
		t.Fatalf("bmc collector %+v", st)
	}
	mc, err := sim.Ipmitool(t, "mc", "info")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := g.Component(topology.BMCID)
	if b == nil || b.Firmware != bmcsim.Field(mc, "Firmware Revision") || b.Attrs["ipmi_version"] != bmcsim.Field(mc, "IPMI Version") ||
		b.Attrs["manufacturer_id"] != uint32(4753) {
		t.Fatalf("bmc %+v; ipmitool mc info:\n%s", b, mc)
	}
	sensors, err := sim.Ipmitool(t, "sensor", "get", "Inlet Temp")
	if err != nil {
		t.Fatal(err)
	}
	// Entity 0x07 (system board): the sensor describes the host.
	reading := strings.Fields(bmcsim.Field(sensors, "Sensor Reading")) // "35 (+/- 0) degrees C"
	h := g.Host
	if s, _ := h.Sensor("Inlet Temp"); len(reading) == 0 || s.Value == nil || fmt.Sprint(*s.Value) != reading[0] || s.Unit != "degrees C" ||
		s.UpperCritical == nil || fmt.Sprint(*s.UpperCritical) != strings.TrimSuffix(bmcsim.Field(sensors, "Upper Critical"), ".000") {
		t.Errorf("host sensor %+v; ipmitool:\n%s", s, sensors)
	}
	if b.Health.State != topology.StateOK {
		t.Errorf("bmc health %+v", b.Health)
	}
	checkIDs(t, g)
}

// TestBMCSELEvents: a SEL entry appears once as an event; one added later
// appears once; a restarted collector (same state folder) repeats none.
func TestBMCSELEvents(t *testing.T) {
	// A memory (sensor type 0x0c) correctable ECC assertion, as BIOSes log them.
	sim := bmcsim.StartIPMISim(t, []string{"sel_add 0x20 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x0c 0x01 0x6f 0x00 0xff 0xff"})
	state, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	c := &BMC{Host: sim.Addr, User: "admin", Password: bmcsim.Password, CipherSuite: 3, State: state, SkipChassis: true}
	g := bmcScan(t, c)
	if len(g.Events) != 1 || g.Events[0].Kind != "sel" || !strings.Contains(g.Events[0].Message, "Memory") {
		t.Fatalf("first scan events %+v (collector %+v)", g.Events, status(g, "bmc"))
	}
	// Add SEL Entry (IPMI 31.6): a processor IERR, as a BMC would log it.
	if out, err := sim.Ipmitool(t, "raw", "0x0a", "0x44", "0x00", "0x00", "0x02", "0x00", "0x00", "0x00", "0x00",
		"0x20", "0x00", "0x04", "0x07", "0x02", "0x6f", "0x00", "0xff", "0xff"); err != nil {
		t.Fatalf("add sel entry: %v %s", err, out)
	}
	g = bmcScan(t, c)
	if len(g.Events) != 1 || !strings.Contains(g.Events[0].Message, "Processor") {
		t.Fatalf("second scan events %+v", g.Events)
	}
	if list, _ := sim.Ipmitool(t, "sel", "list"); strings.Count(strings.TrimSpace(list), "\n") != 1 {
		t.Errorf("ipmitool sees a SEL other than two entries:\n%s", list)
	}
	restarted := &BMC{Host: sim.Addr, User: "admin", Password: bmcsim.Password, CipherSuite: 3, State: state, SkipChassis: true}
	if g = bmcScan(t, restarted); len(g.Events) != 0 {
		t.Errorf("after a restart: %+v", g.Events)
	}
}

// TestBMCAgainstGoIPMIServer: go-ipmi's reference BMC, the second
// implementation: identity, firmware and GUID; ipmitool agrees.
func TestBMCAgainstGoIPMIServer(t *testing.T) {
	addr := bmcsim.StartGoIPMI(t)
	g := bmcScan(t, &BMC{Host: addr, User: "admin", Password: bmcsim.Password})
	// Its SDR repository is empty: no sensors, and no problem either.
	if st := status(g, "bmc"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("bmc collector %+v", st)
	}
	b, _ := g.Component(topology.BMCID)
	if b == nil || b.Firmware != "2.47" || b.Vendor != "Dell" || b.Attrs["guid"] != fmt.Sprintf("%x", "hwgraph-test-bmc") ||
		b.Attrs["ipmi_version"] != "2.0" {
		t.Errorf("bmc %+v", b)
	}
	// Its chassis is powered off (the mock HAL's default); it has no DCMI.
	if _, dcmi := g.Host.Sensor(powerSensorName); g.Host.Attrs["chassis_power"] != "off" || dcmi {
		t.Errorf("host attrs %v", g.Host.Attrs)
	}
	sim := &bmcsim.IPMISim{Addr: addr}
	if mc, err := sim.Ipmitool(t, "mc", "info"); err == nil && bmcsim.Field(mc, "Firmware Revision") != b.Firmware {
		t.Errorf("ipmitool says firmware %q", bmcsim.Field(mc, "Firmware Revision"))
	}
}

// TestBMCDCMIPowerReading: go-ipmi's reference BMC, which has no DCMI
// commands, given a Get DCMI Power Reading handler that answers as DCMI
// 1.5 section 6.6.1 lays out (245 W now, 180/310/240 W min/max/average
// over 1 s, measurement active): the host carries the reading, and
// ipmitool's `dcmi power reading` says the same of the same BMC. The BMCs
// without DCMI (the other tests) carry none and report no problem.
func TestBMCDCMIPowerReading(t *testing.T) {
	reg := handlers.NewRegistry()
	handlers.RegisterAllHandlers(reg)
	reg.Register(types.CommandGetDCMIPowerReading, handlers.HandlerFunc(func(context.Context, *handlers.HandlerContext, []byte) ([]byte, types.CompletionCode, error) {
		return []byte{types.GroupExtensionDCMI,
			245, 0, 180, 0, 0x36, 0x01, 240, 0, // current, minimum, maximum (310), average, little-endian
			0x00, 0x5e, 0xd0, 0xb2, // timestamp
			0xe8, 0x03, 0x00, 0x00, // reporting period: 1,000 ms
			0x40, // power measurement active
		}, types.CodeOK, nil
	}))
	addr := bmcsim.StartGoIPMI(t, server.WithHandlerRegistry(reg))
	g := bmcScan(t, &BMC{Host: addr, User: "admin", Password: bmcsim.Password})
	if st := status(g, "bmc"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("bmc collector %+v", st)
	}
	p, _ := g.Host.Sensor(powerSensorName)
	if p.Value == nil || *p.Value != 245 || p.Unit != "Watts" ||
		!maps.Equal(p.Extra, map[string]float64{"minimum": 180, "maximum": 310, "average": 240, "period_seconds": 1}) {
		t.Errorf("host power sensor %+v", p)
	}
	sim := &bmcsim.IPMISim{Addr: addr}
	out, err := sim.Ipmitool(t, "dcmi", "power", "reading")
	if err != nil {
		t.Fatalf("ipmitool dcmi power reading: %v\n%s", err, out)
	}
	for _, want := range []string{"Instantaneous power reading: 245 Watts", "Minimum during sampling period: 180 Watts",
		"Maximum during sampling period: 310 Watts", "Average power reading over sample period: 240 Watts"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("ipmitool lacks %q:\n%s", want, out)
		}
	}
}

// blackhole is a BMC address that takes packets and never answers.
func blackhole(t *testing.T) string {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}

// stallingProxy forwards the first n packets from the client to a BMC
// and their answers back, then drops everything: a BMC that stops
// answering in the middle of a session.
func stallingProxy(t *testing.T, bmcAddr string, n int) string {
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.Dial("udp", bmcAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { front.Close(); back.Close() })
	var clientAddr atomicAddr
	go func() {
		buf := make([]byte, 2048)
		for i := 0; ; i++ {
			k, from, err := front.ReadFromUDP(buf)
			if err != nil {
				return
			}
			clientAddr.set(from)
			if i < n {
				back.Write(buf[:k])
			}
		}
	}()
	go func() {
		buf := make([]byte, 2048)
		for {
			k, err := back.Read(buf)
			if err != nil {
				return
			}
			if a := clientAddr.get(); a != nil {
				front.WriteToUDP(buf[:k], a)
			}
		}
	}()
	return front.LocalAddr().String()
}

type atomicAddr struct {
	mu sync.Mutex
	a  *net.UDPAddr
}

func (x *atomicAddr) set(a *net.UDPAddr) { x.mu.Lock(); x.a = a; x.mu.Unlock() }
func (x *atomicAddr) get() *net.UDPAddr  { x.mu.Lock(); defer x.mu.Unlock(); return x.a }

// TestFaultBMCUnreachable: a wrong password, a closed port, a BMC that
// never answers and one that stops answering mid-session all fail the
// collector with a reason, within its deadline, and never show the
// password.
func TestFaultBMCUnreachable(t *testing.T) {
	addr := bmcsim.StartGoIPMI(t)
	for name, c := range map[string]*BMC{
		"wrong password":       {Host: addr, User: "admin", Password: "wrong", Timeout: 500 * time.Millisecond},
		"closed port":          {Host: fmt.Sprintf("127.0.0.1:%d", bmcsim.FreeUDPPort(t)), User: "admin", Password: bmcsim.Password, Timeout: 300 * time.Millisecond},
		"never answers":        {Host: blackhole(t), User: "admin", Password: bmcsim.Password, Timeout: 300 * time.Millisecond},
		"stops in mid-session": {Host: stallingProxy(t, addr, 7), User: "admin", Password: bmcsim.Password, Timeout: 300 * time.Millisecond},
	} {
		start := time.Now()
		g := bmcScan(t, c)
		st := status(g, "bmc")
		if st.State != "error" || !strings.Contains(st.Error, "bmc") || time.Since(start) > 10*time.Second {
			t.Errorf("%s: %+v after %v", name, st, time.Since(start))
		}
		t.Logf("%s: %s", name, st.Error)
		if strings.Contains(st.Error, c.Password) {
			t.Errorf("%s: the password is in the error", name)
		}
	}
}

// TestBMCAbsentHere: no /dev/ipmi0 and no --bmc: absent.
func TestBMCAbsentHere(t *testing.T) {
	for _, d := range ipmiDevices {
		if _, err := os.Stat("/" + d); err == nil {
			t.Skip("this machine has an in-band IPMI device")
		}
	}
	if st := status(bmcScan(t, &BMC{}), "bmc"); st.State != "absent" {
		t.Errorf("%+v", st)
	}
}

// TestBMCSensorPastCritical: the simulator's inlet sensor set to 85
// degrees C, past its upper critical threshold of 80: the host it
// describes is degraded with the reading and the threshold named, and
// ipmitool reports the same state.
func TestBMCSensorPastCritical(t *testing.T) {
	sim := bmcsim.StartIPMISim(t, []string{"sensor_set_value 0x20 0 1 85 0"})
	g := bmcScan(t, &BMC{Host: sim.Addr, User: "admin", Password: bmcsim.Password, CipherSuite: 3, SkipChassis: true})
	h := g.Host
	if h.Health.State != topology.StateDegraded || len(h.Health.Reasons) == 0 ||
		h.Health.Reasons[0] != "Inlet Temp 85 degrees C past its critical threshold" {
		t.Errorf("host health %+v", h.Health)
	}
	out, err := sim.Ipmitool(t, "sensor", "get", "Inlet Temp")
	if err != nil || bmcsim.Field(out, "Status") != "Upper Critical" {
		t.Errorf("ipmitool: %v\n%s", err, out)
	}
}
