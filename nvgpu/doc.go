// Package nvgpu reads NVIDIA GPUs, their NVLinks and their Xid errors
// through NVML. It is written against Library, the part of NVML it calls:
// Open binds that to the driver's libnvidia-ml at run time (no cgo, no C
// compiler, no NVIDIA headers needed to build), and tests bind it to
// go-nvml's DGX mocks. It knows nothing of the graph.
package nvgpu
