package topology

import (
	"strconv"
	"strings"
)

// idLess orders IDs so that numbered components sort by number (numa:2
// before numa:10) and everything else, PCI addresses included (fixed-width
// hex), sorts as text.
func idLess(a, b string) bool {
	pa, ra, oka := strings.Cut(a, ":")
	pb, rb, okb := strings.Cut(b, ":")
	if oka && okb && pa == pb {
		na, erra := strconv.Atoi(ra)
		nb, errb := strconv.Atoi(rb)
		if erra == nil && errb == nil {
			return na < nb
		}
	}
	return a < b
}
