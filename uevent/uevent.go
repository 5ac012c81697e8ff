// Package uevent listens to the kernel's device events (netlink
// NETLINK_KOBJECT_UEVENT), so a device that is added or removed is seen
// within a second instead of at the next scan.
package uevent

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
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

// Listen calls fn for each kernel uevent until ctx is done. It needs no
// privilege to receive (the kernel multicasts to group 1).
func Listen(ctx context.Context, fn func(Event)) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		return fmt.Errorf("uevent bind: %w", err)
	}
	buf := make([]byte, 64<<10)
	for ctx.Err() == nil {
		// Poll with a short timeout so a cancelled context ends the loop.
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 250)
		if err == unix.EINTR || n == 0 {
			continue
		}
		if err != nil {
			return fmt.Errorf("uevent poll: %w", err)
		}
		k, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			if err == unix.ENOBUFS { // a burst overflowed the socket: keep going
				continue
			}
			return fmt.Errorf("uevent read: %w", err)
		}
		if e, ok := Parse(buf[:k]); ok {
			fn(e)
		}
	}
	return ctx.Err()
}

// Hardware reports whether an event is about the hardware hwgraph draws.
func (e Event) Hardware() bool {
	switch e.Subsystem {
	case "pci", "nvme", "nvme-subsystem", "i2c", "drm", "memory", "edac", "net", "infiniband", "block", "cpu":
		return true
	}
	return false
}
