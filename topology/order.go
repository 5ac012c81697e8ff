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
		na, erra := number(ra)
		nb, errb := number(rb)
		if erra && errb {
			return na < nb
		}
	}
	return a < b
}

// number is s as a decimal number, when it is one: checked before
// strconv.Atoi, whose error for a PCI address or a name is an allocation,
// and a scan sorts hundreds of them.
func number(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := range len(s) {
		if (s[i] < '0' || s[i] > '9') && !(i == 0 && (s[i] == '-' || s[i] == '+')) {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
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
		if n, ok := number(r); ok {
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

// keyedAbove is how many IDs sortByID sorts without keys worked out once:
// a host's few hundred parts cost fewer compares than a copy of them.
const keyedAbove = 4096

// sortByID sorts xs by the ID id gives, in idLess order.
func sortByID[T any](xs []T, id func(T) string) {
	if len(xs) <= keyedAbove {
		slices.SortFunc(xs, func(a, b T) int { return compareKeys(makeKey(id(a)), makeKey(id(b))) })
		return
	}
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
