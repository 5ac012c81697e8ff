package uevent

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Listen calls fn for each kernel uevent until ctx is done, and with Lost
// when the kernel dropped some. It calls ready, when not nil, once it
// receives: events from then on reach fn. It needs no privilege to
// receive (the kernel multicasts to group 1).
func Listen(ctx context.Context, ready func(), fn func(Event)) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("uevent bind: %w", err)
	}
	// Through the runtime's poller, the socket wakes the agent only when
	// an event comes; a polling loop would wake it every few hundred
	// milliseconds to look at its context.
	sock := os.NewFile(uintptr(fd), "uevent")
	defer sock.Close()
	conn, err := sock.SyscallConn()
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { sock.SetReadDeadline(time.Now()) })
	defer stop()
	if ready != nil {
		ready()
	}
	buf := make([]byte, 64<<10)
	for {
		var n int
		var rerr error
		err := conn.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("uevent read: %w", err)
		case rerr == unix.ENOBUFS: // a burst overflowed the socket: say so, keep going
			fn(Lost)
		case rerr != nil:
			return fmt.Errorf("uevent read: %w", rerr)
		default:
			if e, ok := Parse(buf[:n]); ok {
				fn(e)
			}
		}
	}
}
