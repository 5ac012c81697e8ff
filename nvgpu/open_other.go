//go:build !linux

package nvgpu

import "fmt"

// DefaultLibrary is the NVML library the NVIDIA driver installs.
const DefaultLibrary = "libnvidia-ml.so.1"

// Open reports ErrNoDriver: hwgraph reads NVIDIA GPUs on Linux only.
func Open(path string) (Library, error) {
	return nil, fmt.Errorf("%w: NVML is read on Linux only", ErrNoDriver)
}
