package numa

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// maxCPUInfo bounds /proc/cpuinfo: a few KiB a CPU, and no machine has a
// thousand times more CPUs than the largest here.
const maxCPUInfo = 64 << 20

// cpuModels maps CPU number to model name, from the "processor" and
// "model name" lines of <root>/proc/cpuinfo. It is read through sysfsattr
// (procfs's CPUInfo opens the file itself, outside a captured tree's
// confinement, and parses it the way of the architecture hwgraph was
// built for, not the machine captured); a CPU without a model name gives
// no model. A file that cannot be read, or is larger than maxCPUInfo,
// gives none and an error saying so; one that is not there gives none.
func cpuModels(root string) (map[int]string, error) {
	b, err := sysfsattr.ReadFile(filepath.Join(root, "proc", "cpuinfo"), maxCPUInfo)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("CPU models left out: %w", err)
	}
	out := map[int]string{}
	cpu := -1
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				cpu = -1
				continue
			}
			cpu = n
		case "model name":
			if cpu >= 0 {
				out[cpu] = strings.Join(strings.Fields(value), " ")
			}
		}
	}
	return out, nil
}
