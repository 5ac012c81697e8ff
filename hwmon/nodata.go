package hwmon

import (
	"errors"
	"syscall"
)

// isNoData reports whether a read failed because the sensor has no
// value now (ENODATA, EAGAIN), not because the chip is broken.
func isNoData(err error) bool {
	return errors.Is(err, syscall.ENODATA) || errors.Is(err, syscall.EAGAIN)
}
