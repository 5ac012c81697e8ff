package disk

import (
	"os"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }

func vpdSerialOf(dir string) string { return vpdSerial(sysfsattr.NewDir(dir)) }
