//go:build !linux

package i2c

import "syscall"

// noAck are the errnos of an address no device acknowledged.
var noAck = []syscall.Errno{syscall.ENXIO}
