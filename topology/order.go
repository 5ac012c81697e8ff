package topology

import (
	"cmp"
	"slices"
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

// idKey is an ID with its idLess facts worked out once, so sorting a
// million IDs (a merged fleet) does not parse numbers in every compare.
type idKey struct {
	id, prefix string
	num        int
	numeric    bool
}

func makeKey(id string) idKey {
	k := idKey{id: id}
	if p, r, ok := strings.Cut(id, ":"); ok {
		if n, err := strconv.Atoi(r); err == nil {
			k.prefix, k.num, k.numeric = p, n, true
		}
	}
	return k
}

func compareKeys(a, b idKey) int {
	if a.numeric && b.numeric && a.prefix == b.prefix {
		return cmp.Compare(a.num, b.num)
	}
	return strings.Compare(a.id, b.id)
}

// sortByID sorts xs by the ID id gives, in idLess order.
func sortByID[T any](xs []T, id func(T) string) {
	type keyed struct {
		k idKey
		x T
	}
	ks := make([]keyed, len(xs))
	for i, x := range xs {
		ks[i] = keyed{makeKey(id(x)), x}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return compareKeys(a.k, b.k) })
	for i := range ks {
		xs[i] = ks[i].x
	}
}
