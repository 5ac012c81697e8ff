// Package numa reads NUMA nodes (CPUs, memory, distances) and CPU packages
// from a sysfs tree rooted anywhere, and parses the kernel's two CPU-set
// notations. Nodes without CPUs (GPU, CXL or pmem memory) are ordinary
// nodes here.
//
// procfs has no reader for /sys/devices/system/node, so nodes are read
// directly; so are the CPU models of /proc/cpuinfo (cpuinfo.go says why).
package numa
