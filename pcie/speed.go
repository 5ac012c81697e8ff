package pcie

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// ParseLinkSpeed parses a current_link_speed / max_link_speed attribute
// into GT/s. Kernels print "8.0 GT/s PCIe" (5.x+), "8 GT/s" (older) or
// "2.5 GT/s"; "Unknown" (link down, or a speed the kernel cannot name) gives
// ok=false and no error.
func ParseLinkSpeed(s string) (gts float64, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "Unknown") {
		return 0, false, nil
	}
	num, unit, found := strings.Cut(s, " ")
	if !found || !strings.HasPrefix(unit, "GT/s") {
		return 0, false, fmt.Errorf("link speed %q: want \"N GT/s\"", sysfsattr.Excerpt(s))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, false, fmt.Errorf("link speed %q: bad number", sysfsattr.Excerpt(s))
	}
	return v, true, nil
}

// Encoding is the line-code efficiency of a PCIe generation at the given
// rate: 8b/10b up to 5 GT/s, 128b/130b for 8–32 GT/s, and 1b/1b (FLIT
// mode, PAM4) from 64 GT/s. hwloc uses the same factors for its
// pci_link_speed (GB/s) attribute.
func Encoding(gts float64) float64 {
	switch {
	case gts <= 5:
		return 0.8
	case gts < 64:
		return 128.0 / 130.0
	}
	return 1
}

// Bandwidth is the usable bandwidth of a link in GB/s, one direction.
func Bandwidth(gts float64, width int) float64 {
	return gts * Encoding(gts) * float64(width) / 8
}
