// Package nvgpu reads NVIDIA GPUs, their NVLinks and their Xid errors
// through NVML (github.com/NVIDIA/go-nvml), written against nvml.Interface
// so tests drive it with go-nvml's DGX mocks. It knows nothing of the
// graph. NVML is a C library: the package is empty without cgo, and the
// GPU collector then reports NVML as unavailable.
package nvgpu
