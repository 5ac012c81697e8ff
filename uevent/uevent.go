// Package uevent listens to the kernel's device events (netlink
// NETLINK_KOBJECT_UEVENT), so a device that is added or removed is seen
// within a second instead of at the next scan.
package uevent

import (
	"bytes"
	"strings"
)

// Event is one kernel uevent.
type Event struct {
	Action    string // add, remove, change, bind, unbind, online, offline
	DevPath   string // /devices/pci0000:00/0000:00:1c.0/0000:03:00.0
	Subsystem string // pci, nvme, i2c, drm, memory, …
	Env       map[string]string
}

// Parse decodes a kernel uevent message: "ACTION@DEVPATH" then
// NUL-separated KEY=VALUE pairs (lib/kobject_uevent.c). Messages that
// udev re-broadcasts ("libudev" header) are not the kernel's and are
// refused.
func Parse(msg []byte) (Event, bool) {
	parts := bytes.Split(msg, []byte{0})
	if len(parts) < 2 {
		return Event{}, false
	}
	action, path, ok := strings.Cut(string(parts[0]), "@")
	if !ok || action == "" || !strings.HasPrefix(path, "/") {
		return Event{}, false
	}
	e := Event{Action: action, DevPath: path, Env: map[string]string{}}
	for _, p := range parts[1:] {
		if k, v, ok := strings.Cut(string(p), "="); ok {
			e.Env[k] = v
		}
	}
	e.Subsystem = e.Env["SUBSYSTEM"]
	if a := e.Env["ACTION"]; a != "" && a != e.Action {
		return Event{}, false // header and body disagree: not a kernel message
	}
	return e, true
}

// Lost is the event Listen gives when the kernel dropped events (a burst
// overflowed the socket): anything may have changed.
var Lost = Event{Action: "lost"}

// Rescan reports whether the event should make hwgraph scan again now: a
// device of the hardware it draws was added, removed, changed, renamed,
// or bound to or unbound from its driver; a CPU was brought online or
// offline (its package's and NUMA node's CPUs change); or events were
// lost. A memory block's online and offline, which come by the hundred,
// are not: what they change (a node's memory) is read every scan.
func (e Event) Rescan() bool {
	if e.Action == Lost.Action {
		return true
	}
	switch e.Action {
	case "add", "remove", "change", "move", "bind", "unbind":
		return e.Hardware()
	case "online", "offline":
		return e.Subsystem == "cpu"
	}
	return false
}

// Name is the device's kernel name, the last element of its path
// ("0000:03:00.0").
func (e Event) Name() string {
	return e.DevPath[strings.LastIndexByte(e.DevPath, '/')+1:]
}

// Hardware reports whether an event is about the hardware hwgraph draws.
func (e Event) Hardware() bool {
	switch e.Subsystem {
	case "pci", "nvme", "nvme-subsystem", "i2c", "drm", "memory", "edac", "net", "infiniband", "block", "cpu":
		return true
	}
	return false
}
