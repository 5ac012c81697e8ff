package uevent

import (
	"strings"
	"testing"
)

// TestParse: messages as lib/kobject_uevent.c builds them ("%s@%s" then
// the environment), for a PCI hot-remove and an NVMe add.
func TestParse(t *testing.T) {
	msg := func(parts ...string) []byte { return []byte(strings.Join(parts, "\x00") + "\x00") }
	for _, tc := range []struct {
		in   []byte
		want Event
		ok   bool
	}{
		{msg("remove@/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", "ACTION=remove",
			"DEVPATH=/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", "SUBSYSTEM=pci", "PCI_SLOT_NAME=0000:03:00.0", "SEQNUM=4242"),
			Event{Action: "remove", DevPath: "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", Subsystem: "pci"}, true},
		{msg("add@/devices/pci0000:00/0000:00:02.1/0000:01:00.0/nvme/nvme0", "ACTION=add", "SUBSYSTEM=nvme", "MAJOR=241", "MINOR=0", "DEVNAME=nvme0"),
			Event{Action: "add", DevPath: "/devices/pci0000:00/0000:00:02.1/0000:01:00.0/nvme/nvme0", Subsystem: "nvme"}, true},
		{append([]byte("libudev\x00\xfe\xed\xca\xfe"), msg("ACTION=add")...), Event{}, false},
		{msg("garbage"), Event{}, false},
		{nil, Event{}, false},
		{msg("add@/devices/x", "ACTION=remove"), Event{}, false},
	} {
		got, ok := Parse(tc.in)
		if ok != tc.ok || got.Action != tc.want.Action || got.DevPath != tc.want.DevPath || got.Subsystem != tc.want.Subsystem {
			t.Errorf("Parse(%q) = %+v, %v", tc.in, got, ok)
		}
	}
	e, _ := Parse(msg("remove@/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", "ACTION=remove", "SUBSYSTEM=pci", "PCI_SLOT_NAME=0000:03:00.0"))
	if e.Env["PCI_SLOT_NAME"] != "0000:03:00.0" || !e.Hardware() {
		t.Errorf("env %v", e.Env)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("add@/devices/pci0000:00/0000:00:02.1\x00ACTION=add\x00SUBSYSTEM=pci\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { Parse(b) })
}
