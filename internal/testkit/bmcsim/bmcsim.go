// Package bmcsim runs BMCs for tests: go-ipmi's reference BMC in the
// process, and OpenIPMI's ipmi_sim (Debian's openipmi) beside it, both
// serving IPMI RMCP+ on loopback with the user admin.
package bmcsim

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/clock"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// Password is the admin user's password on both simulators.
const Password = "hwgraph-test"

// StartGoIPMI runs go-ipmi's reference BMC on a loopback port, with the
// user admin; its address.
func StartGoIPMI(t testing.TB, opts ...server.ServerOption) string {
	t.Helper()
	return StartGoIPMIOn(t, mock.New(), opts...)
}

// StartGoIPMIOn runs go-ipmi's reference BMC over the hardware h.
func StartGoIPMIOn(t testing.TB, h *mock.HAL, opts ...server.ServerOption) string {
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
	u.SetPassword([]byte(Password))
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

// IPMISim is OpenIPMI's ipmi_sim serving RMCP+ on a loopback port, with
// one temperature sensor ("Inlet Temp", 35 degrees C, critical at 80)
// and SEL entries given at start.
type IPMISim struct {
	Addr string // host:port
	cmd  *exec.Cmd
}

// FreeUDPPort asks the kernel for a port no one uses.
func FreeUDPPort(t testing.TB) int {
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
	for _, v := range InletTempRecord() {
		fmt.Fprintf(&b, " %#02x", v)
	}
	return b.String()
}

// InletTempRecord is the simulator's sensor record, as ipmi_sim keeps it.
func InletTempRecord() []byte {
	name := "Inlet Temp"
	body := []byte{0x20, 0x00, 0x01, 0x07, 0x01, 0x7f, 0x68, 0x01, 0x01, 0x00, 0x00, 0x00, 0x30, 0x18, 0x18,
		0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x46, 0x0a, 0xff, 0x00,
		0x5a, 0x50, 0x46, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, byte(0xc0 | len(name))}
	body = append(body, name...)
	return append([]byte{0x00, 0x00, 0x51, 0x01, byte(len(body))}, body...)
}

// StartIPMISim runs ipmi_sim with the SEL entries sel (its sel_add
// commands); the test is skipped without ipmi_sim, or fails under CI.
func StartIPMISim(t testing.TB, sel []string) *IPMISim {
	t.Helper()
	bin := fixture.Tool(t, "ipmi_sim", "openipmi")
	dir := t.TempDir()
	port := FreeUDPPort(t)
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
`, port, Password)
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
	s := &IPMISim{Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd}
	for i := 0; i < 50; i++ { // it binds its port within a second
		if _, err := s.Ipmitool(t, "mc", "info"); err == nil {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("ipmi_sim did not start serving")
	return nil
}

// Ipmitool runs ipmitool against the simulator, the password in the
// environment (-E), not on its command line.
func (s *IPMISim) Ipmitool(t testing.TB, args ...string) (string, error) {
	bin := fixture.Tool(t, "ipmitool", "ipmitool")
	host, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command(bin, append([]string{"-I", "lanplus", "-C", "3", "-N", "1", "-R", "1", "-H", host, "-p", port, "-U", "admin", "-E"}, args...)...)
	cmd.Env = append(os.Environ(), "IPMI_PASSWORD="+Password)
	out, err := cmd.Output()
	return string(out), err
}

// Field reads "Name : value" out of ipmitool's output.
func Field(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
