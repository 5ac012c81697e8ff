package i2c

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	pi2c "periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func TestReadAdapters(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    []Adapter
	}{
		// The I350's bit-banged bus, with its thermal sensor client; the
		// capture has no /sys/bus/i2c, so the device tree is searched.
		{"node_exporter/sys.tar.gz", []Adapter{{Bus: 3, Name: "igb BB", Parent: "0000:45:00.0",
			Clients: []Client{{Bus: 3, Addr: 0x7c, Name: "i350bb", Modalias: "i2c:i350bb"}}}}},
		{"hwloc/2pa-pcidomain32bits.tar.bz2", []Adapter{{Bus: 0, Name: "SMBus PIIX4 adapter at 0700", Parent: "0000:00:01.3"}}},
	} {
		got, err := ReadAdapters(filepath.Join(fixture.Root(t, tc.capture), "sys"))
		if err != nil {
			t.Fatalf("%s: %v", tc.capture, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.capture, got, tc.want)
		}
	}
	if _, err := ReadAdapters(filepath.Join(fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2"), "sys")); err == nil {
		t.Error("adapters found on a capture without I2C")
	}
}

func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Target
		err  bool
	}{
		{"0:0x18:2,3:0x50", []Target{{0, 0x18, 2}, {3, 0x50, 1}}, false},
		{" 1:0x5a:32 ", []Target{{1, 0x5a, 32}}, false},
		{"", nil, false},
		{"0:0x03", nil, true}, // reserved address
		{"0:0x78", nil, true}, // 10-bit prefix
		{"0:0x50:0", nil, true},
		{"0:0x50:33", nil, true},
		{"x:0x50", nil, true},
		{"0x50", nil, true},
	} {
		got, err := ParseTargets(tc.in)
		if (err != nil) != tc.err || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ParseTargets(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{nil, nil},
		{syscall.ETIMEDOUT, ErrTimeout},
		{fmt.Errorf("sysfs-i2c: %v", syscall.ETIMEDOUT), ErrTimeout}, // periph's Linux driver
		{fmt.Errorf("sysfs-i2c: %v", syscall.EAGAIN), ErrTimeout},    // arbitration lost
		{fmt.Errorf("sysfs-i2c: %v", syscall.EREMOTEIO), ErrNoAck},
		{syscall.ENXIO, ErrNoAck},
		{syscall.EIO, ErrOther},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// stuckBus is an i2ctest playback whose transfers never return until
// released: a slave holding SDA low, as the bus driver sees it.
type stuckBus struct {
	i2ctest.Playback
	release chan struct{}
}

func (b *stuckBus) Tx(addr uint16, w, r []byte) error {
	<-b.release
	return syscall.ETIMEDOUT
}

func TestProber(t *testing.T) {
	jc42 := &i2ctest.Playback{Ops: []i2ctest.IO{{Addr: 0x18, R: []byte{0xc1, 0x9a}}, {Addr: 0x19, R: []byte{0}}}, DontPanic: true}
	stuck := &stuckBus{release: make(chan struct{})}
	kernelTimeout := &i2ctest.Playback{DontPanic: true}
	p := &Prober{
		Targets: []Target{{0, 0x18, 2}, {0, 0x19, 1}, {1, 0x50, 1}, {2, 0x58, 1}},
		Timeout: 50 * time.Millisecond,
		Open: func(bus int) (pi2c.BusCloser, error) {
			switch bus {
			case 0:
				return jc42, nil
			case 1:
				return stuck, nil
			}
			return &errBus{kernelTimeout, syscall.ETIMEDOUT}, nil
		},
	}
	start := time.Now()
	p.Round(context.Background())
	if d := time.Since(start); d > time.Second {
		t.Errorf("a round with a hung bus took %v", d)
	}
	st := p.States()
	if s := st[0]; s.Reads != 2 || s.Locked || s.Timeouts != 0 {
		t.Errorf("bus 0: %+v", s)
	}
	if s := st[1]; !s.Locked || !s.Hung || s.Timeouts != 1 {
		t.Errorf("bus 1 (hung): %+v", s)
	}
	if s := st[2]; !s.Locked || s.Hung || s.Timeouts != 1 {
		t.Errorf("bus 2 (kernel timeout): %+v", s)
	}
	// The hung bus is left alone until its transfer returns.
	p.Round(context.Background())
	if s := p.States()[1]; s.Timeouts != 1 {
		t.Errorf("bus 1 probed again while hung: %+v", s)
	}
	close(stuck.release)
	for i := 0; p.States()[1].Hung && i < 100; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if s := p.States()[1]; s.Hung || !s.Locked {
		t.Errorf("bus 1 after the transfer returned: %+v", s)
	}
}

// errBus answers every transfer with one error.
type errBus struct {
	*i2ctest.Playback
	err error
}

func (b *errBus) Tx(uint16, []byte, []byte) error { return b.err }

func TestProberNoAck(t *testing.T) {
	p := &Prober{Targets: []Target{{0, 0x51, 1}}, Open: func(int) (pi2c.BusCloser, error) {
		return &errBus{&i2ctest.Playback{}, fmt.Errorf("sysfs-i2c: %v", syscall.EREMOTEIO)}, nil
	}}
	p.Round(context.Background())
	if s := p.States()[0]; s.Locked || s.NACKs != 1 || len(s.Absent) != 1 || s.Absent[0] != "0x51" {
		t.Errorf("%+v", s)
	}
	if !errors.Is(Classify(syscall.EREMOTEIO), ErrNoAck) {
		t.Error("EREMOTEIO")
	}
}

func FuzzParseTargets(f *testing.F) {
	f.Add("0:0x18:2,3:0x50")
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTargets(s)
		for _, x := range ts {
			if err == nil && (x.Addr < 0x08 || x.Addr > 0x77 || x.Len < 1 || x.Len > 32) {
				t.Errorf("%q gave a target outside the allowed ranges: %+v", s, x)
			}
		}
	})
}

// FuzzReadAdapters writes fuzzed bytes into node_exporter's adapter
// i2c-3 and client 3-007c files and reads the buses: the damage costs a
// name, never the adapter or its client.
func FuzzReadAdapters(f *testing.F) {
	sysfs := filepath.Join(fixture.Root(f, "node_exporter/sys.tar.gz"), "sys")
	adapter := filepath.Join(sysfs, "devices/pci0000:40/0000:40:01.3/0000:45:00.0/i2c-3")
	files := []string{filepath.Join(adapter, "name"), filepath.Join(adapter, "3-007c/name"), filepath.Join(adapter, "3-007c/modalias")}
	fixture.FuzzFiles(f, files, func(t *testing.T, damaged string) {
		as, err := ReadAdapters(sysfs)
		if err != nil || len(as) != 1 || as[0].Bus != 3 || len(as[0].Clients) != 1 || as[0].Clients[0].Addr != 0x7c {
			t.Fatalf("a damaged %s: %+v, %v", damaged, as, err)
		}
	})
}

// TestReadLiveAdapters: the live reader trusts /sys/bus/i2c and walks no
// device tree: node_exporter's capture, which lacks the bus folder, has
// no adapters for it, as a kernel without i2c-core would.
func TestReadLiveAdapters(t *testing.T) {
	sys := filepath.Join(fixture.Root(t, "node_exporter/sys.tar.gz"), "sys")
	if _, err := ReadLiveAdapters(sys); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("live read of a tree without /sys/bus/i2c: %v", err)
	}
	if a, err := ReadAdapters(sys); err != nil || len(a) != 1 {
		t.Errorf("the capture reader: %v, %v", a, err)
	}
}
