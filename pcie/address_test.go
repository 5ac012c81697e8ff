package pcie

import "testing"

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Address
		err  bool
	}{
		{in: "0000:3b:00.0", want: Address{0, 0x3b, 0, 0}},
		{in: "10000:e0:1d.7", want: Address{0x10000, 0xe0, 0x1d, 7}},
		{in: "0035:05:00.0", want: Address{0x35, 5, 0, 0}},
		{in: "0000:3b:00", err: true},
		{in: "0000:3b:20.0", err: true}, // device is 5 bits
		{in: "0000:3b:00.8", err: true}, // function is 3 bits
		{in: "000:3b:00.0", err: true},
		{in: "zzzz:3b:00.0", err: true},
		{in: "", err: true},
	} {
		got, err := ParseAddress(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseAddress(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && (got != tc.want || got.String() != tc.in) {
			t.Errorf("ParseAddress(%q) = %+v (%s), want %+v", tc.in, got, got, tc.want)
		}
	}
}

func TestParseLinkSpeed(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   float64
		ok     bool
		hasErr bool
	}{
		{"8.0 GT/s PCIe", 8, true, false},
		{"16.0 GT/s PCIe", 16, true, false},
		{"5 GT/s", 5, true, false}, // kernels before 4.13
		{"2.5 GT/s", 2.5, true, false},
		{"Unknown", 0, false, false},
		{"Unknown speed", 0, false, false},
		{"", 0, false, false},
		{"fast", 0, false, true},
		{"8.0 MB/s", 0, false, true},
		{"-1 GT/s", 0, false, true},
	} {
		got, ok, err := ParseLinkSpeed(tc.in)
		if got != tc.want || ok != tc.ok || (err != nil) != tc.hasErr {
			t.Errorf("ParseLinkSpeed(%q) = %v, %v, %v; want %v, %v, error %v", tc.in, got, ok, err, tc.want, tc.ok, tc.hasErr)
		}
	}
}

func TestBandwidthMatchesHwlocFactors(t *testing.T) {
	// hwloc prints pci_link_speed in GB/s with the same encodings: these
	// are values from its XML for the 40intel64 capture.
	for _, tc := range []struct {
		gts   float64
		width int
		want  float64
	}{{8, 4, 3.938462}, {2.5, 1, 0.25}, {5, 8, 4}} {
		if got := Bandwidth(tc.gts, tc.width); got < tc.want-1e-6 || got > tc.want+1e-6 {
			t.Errorf("Bandwidth(%v, %d) = %v, want %v", tc.gts, tc.width, got, tc.want)
		}
	}
}

// TestSlotDevice: a slot's address ("DDDD:BB:DD", as the 32em64t
// capture's slots give it) names its device's function 0, which every
// function of the device finds through Address.Slot.
func TestSlotDevice(t *testing.T) {
	for _, tc := range []struct {
		address string
		want    Address
		ok      bool
	}{
		{"0000:82:00", Address{0, 0x82, 0, 0}, true},
		{"10000:e0:1d", Address{0x10000, 0xe0, 0x1d, 0}, true},
		{"0000:02", Address{}, false}, // a bus, no device
		{"", Address{}, false},
		{"0000:02:00.1", Address{}, false},
	} {
		got, ok := Slot{Address: tc.address}.Device()
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("Slot{Address: %q}.Device() = %+v, %v; want %+v, %v", tc.address, got, ok, tc.want, tc.ok)
		}
	}
	if a := (Address{0, 2, 0, 3}); a.Slot() != (Address{0, 2, 0, 0}) {
		t.Errorf("%s.Slot() = %s", a, a.Slot())
	}
}
