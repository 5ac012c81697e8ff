package pcie

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// AER severities, as the kernel names the aer_dev_* attributes.
const (
	AERCorrectable = "correctable"
	AERNonFatal    = "nonfatal"
	AERFatal       = "fatal"
)

// AERStats is one aer_dev_* attribute: a count per error type, as the kernel
// names them (RxErr, BadTLP, …, TOTAL_ERR_COR). Every line is kept, so types
// a newer kernel adds are not lost.
type AERStats map[string]uint64

// Total returns the kernel's TOTAL_ERR_* line, or the sum of the other
// fields when the kernel printed none.
func (s AERStats) Total() uint64 {
	var sum uint64
	for k, v := range s {
		if strings.HasPrefix(k, "TOTAL_ERR_") {
			return v
		}
		sum += v
	}
	return sum
}

// ParseAER parses an aer_dev_correctable, aer_dev_nonfatal or aer_dev_fatal
// attribute: one "Name count" pair a line.
func ParseAER(r io.Reader) (AERStats, error) {
	out := AERStats{}
	sc := bufio.NewScanner(io.LimitReader(r, sysfsattr.PageSize))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("aer line %d %q: want \"Name count\"", line, sysfsattr.Excerpt(sc.Text()))
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("aer line %d %q: %w", line, sysfsattr.Excerpt(sc.Text()), err)
		}
		out[f[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("aer: %w", err)
	}
	return out, nil
}
