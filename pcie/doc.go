// Package pcie reads the PCI/PCIe bus from a sysfs tree rooted anywhere: the
// functions under /sys/bus/pci/devices, the real upstream path of each (from
// the device symlink, not guessed from bus numbers), link training, AER
// counters, SR-IOV, IOMMU groups and hotplug slots. It knows nothing of the
// graph; the PCIe collector turns what it reads into components and links.
//
// It reads sysfs directly rather than through procfs' sysfs.PciDevices,
// because that call fails the whole list when one device lacks a file (the
// `revision` attribute is absent on kernels before 3.x, which several real
// captures come from) and carries no driver, AER, IOMMU or slot data.
package pcie
