package numa

import (
	"path/filepath"
	"strings"

	"github.com/prometheus/procfs"
)

// cpuModels maps CPU number to model name. procfs parses cpuinfo for the
// architecture hwgraph was built for; a capture from another architecture
// may not parse, and then packages simply carry no model.
func cpuModels(root string) map[int]string {
	fs, err := procfs.NewFS(filepath.Join(root, "proc"))
	if err != nil {
		return nil
	}
	infos, err := fs.CPUInfo()
	if err != nil {
		return nil
	}
	out := make(map[int]string, len(infos))
	for _, ci := range infos {
		out[int(ci.Processor)] = strings.Join(strings.Fields(ci.ModelName), " ")
	}
	return out
}
