package collectors

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/clock"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/handlers"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

const simPassword = "hwgraph-test"

// startGoIPMIServer runs go-ipmi's reference BMC on a loopback port.
func startGoIPMIServer(t *testing.T, opts ...server.ServerOption) string {
	t.Helper()
	return startGoIPMIServerOn(t, mock.New(), opts...)
}

// startGoIPMIServerOn runs go-ipmi's reference BMC over the hardware h.
func startGoIPMIServerOn(t *testing.T, h *mock.HAL, opts ...server.ServerOption) string {
	t.Helper()
	info := bmc.DeviceInfo{DeviceID: 32, DeviceRevision: 1, FirmwareMajor: 2, FirmwareMinor: 0x47,
		IPMIVersion: 0x02, ManufacturerID: 674, ProductID: 0x0100}
	var guid [16]byte
	copy(guid[:], "hwgraph-test-bmc")
	b := bmc.New(info, guid, h, bmc.WithClock(clock.Real))
	u, err := b.Users.Add(2, "admin")
	if err != nil {
		t.Fatal(err)
	}
	u.SetPassword([]byte(simPassword))
	u.Enabled = true
	u.ChannelAccess[1] = bmc.UserChannelAccess{MaxPrivilege: bmc.PrivilegeLevelAdministrator, Enabled: true}
	conn, err := udp.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(b, conn, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	go srv.Serve(ctx)
	t.Cleanup(func() { cancel(); srv.Close() })
	return conn.LocalAddr().String()
}

// ipmiSim is OpenIPMI's ipmi_sim serving RMCP+ on a loopback port, with
// one temperature sensor ("Inlet Temp", 35 degrees C, critical at 80)
// and SEL entries given at start.
type ipmiSim struct {
	addr string
	cmd  *exec.Cmd
}

// freeUDPPort asks the kernel for a port no one uses.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// inletTempSDR is a full sensor record (IPMI 2.0 section 43.1) for a
// system-board temperature sensor with upper thresholds 70/80/90, as
// ipmi_sim's sdr_add takes it.
func inletTempSDR() string {
	var b strings.Builder
	for _, v := range inletTempRecord() {
		fmt.Fprintf(&b, " %#02x", v)
	}
	return b.String()
}

// inletTempRecord is inletTempSDR's bytes.
func inletTempRecord() []byte {
	name := "Inlet Temp"
	body := []byte{0x20, 0x00, 0x01, 0x07, 0x01, 0x7f, 0x68, 0x01, 0x01, 0x00, 0x00, 0x00, 0x30, 0x18, 0x18,
		0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x46, 0x0a, 0xff, 0x00,
		0x5a, 0x50, 0x46, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, byte(0xc0 | len(name))}
	body = append(body, name...)
	return append([]byte{0x00, 0x00, 0x51, 0x01, byte(len(body))}, body...)
}

func startIPMISim(t *testing.T, sel []string) *ipmiSim {
	t.Helper()
	bin := fixture.Tool(t, "ipmi_sim", "openipmi")
	dir := t.TempDir()
	port := freeUDPPort(t)
	lan := fmt.Sprintf(`name "hwgraphsim"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 %d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "admin" "%s" admin 10 none md2 md5 straight
`, port, simPassword)
	emu := "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nsel_enable 0x20 1000 0x0a\n" +
		"main_sdr_add 0x20" + inletTempSDR() + "\n" +
		"sensor_add 0x20 0 1 0x01 0x01\n" +
		"sensor_set_threshold 0x20 0 1 settable 111000 0x5a 0x50 0x46 0 0 0\n" +
		"sensor_set_event_support 0x20 0 1 enable scanning per-state 000111111000000 000000000000000 000111111000000 000000000000000\n" +
		"sensor_set_value 0x20 0 1 35 0\n" + strings.Join(sel, "\n") + "\nmc_setbmc 0x20\nmc_enable 0x20\n"
	for name, content := range map[string]string{"lan.conf": lan, "sim.emu": emu} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-n", "-p", "-c", filepath.Join(dir, "lan.conf"), "-f", filepath.Join(dir, "sim.emu"), "-s", dir)
	logf, err := os.Create(filepath.Join(dir, "sim.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("ipmi_sim output:\n%s", b)
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &ipmiSim{addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd}
	for i := 0; i < 50; i++ { // it binds its port within a second
		if _, err := s.ipmitool(t, "mc", "info"); err == nil {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("ipmi_sim did not start serving")
	return nil
}

// ipmitool runs ipmitool against the simulator, the password in the
// environment (-E), not on its command line.
func (s *ipmiSim) ipmitool(t *testing.T, args ...string) (string, error) {
	bin := fixture.Tool(t, "ipmitool", "ipmitool")
	host, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command(bin, append([]string{"-I", "lanplus", "-C", "3", "-N", "1", "-R", "1", "-H", host, "-p", port, "-U", "admin", "-E"}, args...)...)
	cmd.Env = append(os.Environ(), "IPMI_PASSWORD="+simPassword)
	out, err := cmd.Output()
	return string(out), err
}

// ipmitoolField reads "Name : value" out of ipmitool's output.
func ipmitoolField(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

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
	sim := startIPMISim(t, nil)
	g := bmcScan(t, &BMC{Host: sim.addr, User: "admin", Password: simPassword, CipherSuite: 3, SkipChassis: true})
	if st := status(g, "bmc"); st.State != "ok" {
		t.Fatalf("bmc collector %+v", st)
	}
	mc, err := sim.ipmitool(t, "mc", "info")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := g.Component(topology.BMCID)
	if b == nil || b.Firmware != ipmitoolField(mc, "Firmware Revision") || b.Attrs["ipmi_version"] != ipmitoolField(mc, "IPMI Version") ||
		b.Attrs["manufacturer_id"] != uint32(4753) {
		t.Fatalf("bmc %+v; ipmitool mc info:\n%s", b, mc)
	}
	sensors, err := sim.ipmitool(t, "sensor", "get", "Inlet Temp")
	if err != nil {
		t.Fatal(err)
	}
	// Entity 0x07 (system board): the sensor describes the host.
	reading := strings.Fields(ipmitoolField(sensors, "Sensor Reading")) // "35 (+/- 0) degrees C"
	h := g.Host
	if len(reading) == 0 || fmt.Sprint(h.Attrs["sensor:Inlet Temp"]) != reading[0] || h.Attrs["sensor:Inlet Temp:unit"] != "degrees C" ||
		fmt.Sprint(h.Attrs["sensor:Inlet Temp:upper_critical"]) != strings.TrimSuffix(ipmitoolField(sensors, "Upper Critical"), ".000") {
		t.Errorf("host sensor attrs %v; ipmitool:\n%s", h.Attrs, sensors)
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
	sim := startIPMISim(t, []string{"sel_add 0x20 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x0c 0x01 0x6f 0x00 0xff 0xff"})
	state, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	c := &BMC{Host: sim.addr, User: "admin", Password: simPassword, CipherSuite: 3, State: state, SkipChassis: true}
	g := bmcScan(t, c)
	if len(g.Events) != 1 || g.Events[0].Kind != "sel" || !strings.Contains(g.Events[0].Message, "Memory") {
		t.Fatalf("first scan events %+v (collector %+v)", g.Events, status(g, "bmc"))
	}
	// Add SEL Entry (IPMI 31.6): a processor IERR, as a BMC would log it.
	if out, err := sim.ipmitool(t, "raw", "0x0a", "0x44", "0x00", "0x00", "0x02", "0x00", "0x00", "0x00", "0x00",
		"0x20", "0x00", "0x04", "0x07", "0x02", "0x6f", "0x00", "0xff", "0xff"); err != nil {
		t.Fatalf("add sel entry: %v %s", err, out)
	}
	g = bmcScan(t, c)
	if len(g.Events) != 1 || !strings.Contains(g.Events[0].Message, "Processor") {
		t.Fatalf("second scan events %+v", g.Events)
	}
	if list, _ := sim.ipmitool(t, "sel", "list"); strings.Count(strings.TrimSpace(list), "\n") != 1 {
		t.Errorf("ipmitool sees a SEL other than two entries:\n%s", list)
	}
	restarted := &BMC{Host: sim.addr, User: "admin", Password: simPassword, CipherSuite: 3, State: state, SkipChassis: true}
	if g = bmcScan(t, restarted); len(g.Events) != 0 {
		t.Errorf("after a restart: %+v", g.Events)
	}
}

// TestBMCAgainstGoIPMIServer: go-ipmi's reference BMC, the second
// implementation: identity, firmware and GUID; ipmitool agrees.
func TestBMCAgainstGoIPMIServer(t *testing.T) {
	addr := startGoIPMIServer(t)
	g := bmcScan(t, &BMC{Host: addr, User: "admin", Password: simPassword})
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
	if g.Host.Attrs["chassis_power"] != "off" || g.Host.Attrs[powerSensor] != nil {
		t.Errorf("host attrs %v", g.Host.Attrs)
	}
	sim := &ipmiSim{addr: addr}
	if mc, err := sim.ipmitool(t, "mc", "info"); err == nil && ipmitoolField(mc, "Firmware Revision") != b.Firmware {
		t.Errorf("ipmitool says firmware %q", ipmitoolField(mc, "Firmware Revision"))
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
	addr := startGoIPMIServer(t, server.WithHandlerRegistry(reg))
	g := bmcScan(t, &BMC{Host: addr, User: "admin", Password: simPassword})
	if st := status(g, "bmc"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("bmc collector %+v", st)
	}
	a := g.Host.Attrs
	if a[powerSensor] != 245.0 || a[powerSensor+":unit"] != "Watts" || a[powerSensor+":minimum"] != 180.0 ||
		a[powerSensor+":maximum"] != 310.0 || a[powerSensor+":average"] != 240.0 || a[powerSensor+":period_seconds"] != 1.0 {
		t.Errorf("host attrs %v", a)
	}
	sim := &ipmiSim{addr: addr}
	out, err := sim.ipmitool(t, "dcmi", "power", "reading")
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
	addr := startGoIPMIServer(t)
	for name, c := range map[string]*BMC{
		"wrong password":       {Host: addr, User: "admin", Password: "wrong", Timeout: 500 * time.Millisecond},
		"closed port":          {Host: fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)), User: "admin", Password: simPassword, Timeout: 300 * time.Millisecond},
		"never answers":        {Host: blackhole(t), User: "admin", Password: simPassword, Timeout: 300 * time.Millisecond},
		"stops in mid-session": {Host: stallingProxy(t, addr, 7), User: "admin", Password: simPassword, Timeout: 300 * time.Millisecond},
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
	sim := startIPMISim(t, []string{"sensor_set_value 0x20 0 1 85 0"})
	g := bmcScan(t, &BMC{Host: sim.addr, User: "admin", Password: simPassword, CipherSuite: 3, SkipChassis: true})
	h := g.Host
	if h.Health.State != topology.StateDegraded || len(h.Health.Reasons) == 0 ||
		h.Health.Reasons[0] != "Inlet Temp 85 degrees C past its critical threshold" {
		t.Errorf("host health %+v", h.Health)
	}
	out, err := sim.ipmitool(t, "sensor", "get", "Inlet Temp")
	if err != nil || ipmitoolField(out, "Status") != "Upper Critical" {
		t.Errorf("ipmitool: %v\n%s", err, out)
	}
}
