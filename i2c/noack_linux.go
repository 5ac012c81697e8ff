package i2c

import "syscall"

// noAck are the errnos of an address no device acknowledged: Linux's I²C
// drivers answer EREMOTEIO, some ENXIO.
var noAck = []syscall.Errno{syscall.EREMOTEIO, syscall.ENXIO}
