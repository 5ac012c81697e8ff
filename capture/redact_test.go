package capture

import (
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := NewRedactor()
	for _, tc := range []struct {
		name, in, want string
		redact         func(string) string
	}{
		{"serial", "S680HF8N190894I", "X00000000000001", r.Text},
		{"same serial, same placeholder", "S680HF8N190894I", "X00000000000001", r.Text},
		{"second serial", "NTAP98765", "X00000002", r.Text},
		{"padding kept", "  PF1NKFHN\n", "  X0000003\n", r.Text},
		{"filler kept", "To Be Filled By O.E.M.", "To Be Filled By O.E.M.", r.Text},
		{"short kept", "A1", "A1", r.Text},
		{"repeats kept", "00000000", "00000000", r.Text},
		{"nqn", "nqn.2014-08.org.nvmexpress:uuid:a34c4f3a-0d6f-5cec-dead-beefcafebabe", "X" + strings.Repeat("0", 66) + "4", r.Text},
		{"mac", "84:8f:69:fe:cc:41\n", "00:00:00:00:00:01\n", r.Hex},
		{"same mac", "84:8F:69:FE:CC:41", "00:00:00:00:00:01", r.Hex},
		{"infiniband address", "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:f9:bf:a1",
			"00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:02", r.Hex},
		{"guid", "0002:c903:00f9:bfa0", "0000:0000:0000:0003", r.Hex},
		{"gpu uuid", "GPU-8f6e2a4c-9b1d-4e3f-a7c2-5d8b0e1f3a69", "GPU-00000000-0000-0000-0000-000000000004", r.Hex},
		{"no address", "00:00:00:00:00:00", "00:00:00:00:00:00", r.Hex},
		{"broadcast", "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff", r.Hex},
		{"hostname", "node17.example.org\n", "redacted-host-1\n", r.Host},
		{"fc transport", "nn-0x200400a0986b4323:pn-0x210400a0986b4323", "nn-0x0000000000000000:pn-0x0000000000000005", r.Transport},
		{"tcp transport", "traddr=10.0.0.1,trsvcid=4420", "traddr=redacted-host-2,trsvcid=4420", r.Transport},
		{"naa wwn", "naa.5000c500a1b2c3d4\n", "naa.0000000000000006\n", r.WWN},
		{"t10 wwn", "t10.ATA     QEMU HARDDISK                           QM00005", "t10.X" + strings.Repeat("0", 53) + "5", r.WWN},
		{"pci transport kept", "0000:01:00.0", "0000:01:00.0", r.Transport},
	} {
		if got := tc.redact(tc.in); got != tc.want {
			t.Errorf("%s: %q redacted as %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestRedactorUUID(t *testing.T) {
	r := NewRedactor()
	a := [16]byte{0xb5, 0x60, 0xf4, 0xa0, 15: 0x36}
	got := r.UUID(a)
	if got == a || got != r.UUID(a) || got != [16]byte{15: 1} {
		t.Errorf("UUID %x redacted as %x, then %x", a, got, r.UUID(a))
	}
	if none := ([16]byte{}); r.UUID(none) != none {
		t.Error("an unset UUID was replaced")
	}
}

// TestRedactorVPD: a VPD page 80h keeps its header, so the serial's
// length and the page code still read.
func TestRedactorVPD(t *testing.T) {
	r := NewRedactor()
	page := []byte("\x00\x80\x00\x14    WD-WCC4N1234567\x00")
	got := r.File(VPD, page)
	want := []byte("\x00\x80\x00\x14    X00000000000001\x00")
	if string(got) != string(want) {
		t.Errorf("VPD page %q redacted as %q, want %q", page, got, want)
	}
	if short := []byte{0, 0x80}; string(r.File(VPD, short)) != string(short) {
		t.Errorf("a page shorter than its header was changed")
	}
}
