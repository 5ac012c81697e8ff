package uevent

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"
)

// Listen calls fn for each kernel uevent until ctx is done, and with Lost
// when the kernel dropped some. It calls ready, when not nil, once it
// receives: events from then on reach fn. It needs no privilege to
// receive (the kernel multicasts to group 1).
func Listen(ctx context.Context, ready func(), fn func(Event)) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		return fmt.Errorf("uevent bind: %w", err)
	}
	if ready != nil {
		ready()
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
			if err == unix.ENOBUFS { // a burst overflowed the socket: say so, keep going
				fn(Lost)
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
