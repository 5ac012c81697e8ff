package netclass

import (
	"path/filepath"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// readRaw reads an interface attribute as it is.
func readRaw(sys, iface, attr string) (string, error) {
	return sysfsattr.Read(filepath.Join(sys, "class", "net", iface, attr))
}
