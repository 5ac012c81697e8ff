//go:build !linux

package numa

// cpuModels maps CPU number to model name; procfs parses cpuinfo on Linux
// only, and elsewhere packages carry no model.
func cpuModels(string) map[int]string { return nil }
