//go:build !linux

package nvme

import (
	"errors"
	"fmt"
)

// ReadSMARTLog needs Linux's NVMe admin pass-through.
func ReadSMARTLog(dev string) ([]byte, error) {
	return nil, fmt.Errorf("nvme smart log %s: %w", dev, errors.ErrUnsupported)
}
