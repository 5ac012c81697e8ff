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

// TestRescan: what makes a scan, and the device an event names. A driver
// binding or unbinding is a rescan: an agent that heard the events does
// not re-read a known function's driver otherwise.
func TestRescan(t *testing.T) {
	for _, tc := range []struct {
		ev     Event
		rescan bool
		name   string
	}{
		{Event{Action: "bind", DevPath: "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", Subsystem: "pci"}, true, "0000:03:00.0"},
		{Event{Action: "unbind", DevPath: "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0", Subsystem: "pci"}, true, "0000:03:00.0"},
		{Event{Action: "move", DevPath: "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/net/enp3s0", Subsystem: "net"}, true, "enp3s0"},
		{Event{Action: "remove", DevPath: "/devices/pci0000:00/0000:00:02.1/0000:01:00.0/nvme/nvme0", Subsystem: "nvme"}, true, "nvme0"},
		{Event{Action: "change", DevPath: "/devices/virtual/misc/tun", Subsystem: "misc"}, false, "tun"},
		{Event{Action: "online", DevPath: "/devices/system/memory/memory32", Subsystem: "memory"}, false, "memory32"},
		{Event{Action: "offline", DevPath: "/devices/system/cpu/cpu3", Subsystem: "cpu"}, true, "cpu3"},
		{Event{Action: "online", DevPath: "/devices/system/cpu/cpu3", Subsystem: "cpu"}, true, "cpu3"},
		{Lost, true, ""},
	} {
		if got := tc.ev.Rescan(); got != tc.rescan {
			t.Errorf("%s %s: Rescan() = %v, want %v", tc.ev.Action, tc.ev.DevPath, got, tc.rescan)
		}
		if got := tc.ev.Name(); got != tc.name {
			t.Errorf("%s %s: Name() = %q, want %q", tc.ev.Action, tc.ev.DevPath, got, tc.name)
		}
	}
}
