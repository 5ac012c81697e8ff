package numa

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// CPUSet is a sorted set of logical CPU numbers.
type CPUSet []int

// maxCPU bounds what a garbage list may ask us to allocate.
const maxCPU = 1 << 16

// ParseCPUList parses the kernel's list form: "0-7,16-23", "" (empty).
func ParseCPUList(s string) (CPUSet, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CPUSet{}, nil
	}
	var out CPUSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a >= maxCPU {
			return nil, fmt.Errorf("cpu list %q: bad cpu %q", sysfsattr.Excerpt(s), lo)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(hi)
			if err != nil || b < a || b >= maxCPU {
				return nil, fmt.Errorf("cpu list %q: bad range %q", sysfsattr.Excerpt(s), part)
			}
		}
		// The kernel lists each CPU once; a garbage list that repeats a
		// big range would otherwise cost gigabytes (found by fuzzing).
		if len(out)+b-a+1 > maxCPU {
			return nil, fmt.Errorf("cpu list %q: more than %d CPUs", sysfsattr.Excerpt(s), maxCPU)
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out.normalize(), nil
}

// ParseCPUMask parses the kernel's mask form: comma-separated 32-bit hex
// words, most significant first ("0000,000000ff,ffffffff").
func ParseCPUMask(s string) (CPUSet, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CPUSet{}, nil
	}
	words := strings.Split(s, ",")
	if len(words)*32 > maxCPU {
		return nil, fmt.Errorf("cpu mask %q: too long", sysfsattr.Excerpt(s))
	}
	var out CPUSet
	for i, w := range words {
		v, err := strconv.ParseUint(w, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("cpu mask %q: bad word %q", sysfsattr.Excerpt(s), w)
		}
		base := (len(words) - 1 - i) * 32
		for v != 0 {
			b := bits.TrailingZeros64(v)
			out = append(out, base+b)
			v &^= 1 << b
		}
	}
	return out.normalize(), nil
}

func (c CPUSet) normalize() CPUSet {
	sort.Ints(c)
	out := c[:0]
	for i, v := range c {
		if i == 0 || v != c[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// String formats the set in the kernel's list form.
func (c CPUSet) String() string {
	var b strings.Builder
	for i := 0; i < len(c); {
		j := i
		for j+1 < len(c) && c[j+1] == c[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(c[j]))
		}
		i = j + 1
	}
	return b.String()
}

// SubsetOf reports whether every CPU of c is in other. The empty set is a
// subset of everything.
func (c CPUSet) SubsetOf(other CPUSet) bool {
	j := 0
	for _, v := range c {
		for j < len(other) && other[j] < v {
			j++
		}
		if j == len(other) || other[j] != v {
			return false
		}
	}
	return true
}

// Overlaps reports whether the sets share a CPU.
func (c CPUSet) Overlaps(other CPUSet) bool {
	i, j := 0, 0
	for i < len(c) && j < len(other) {
		switch {
		case c[i] == other[j]:
			return true
		case c[i] < other[j]:
			i++
		default:
			j++
		}
	}
	return false
}
