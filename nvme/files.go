package nvme

import "slices"

// Files are what ReadControllers and ReadSubsystems read, as capture
// patterns relative to the filesystem root (package capture);
// SerialFiles, among them, hold serial numbers and NQNs, AddressFiles
// transport addresses (a PCI address, or WWNs and IP addresses).
var (
	Files = append([]string{
		"sys/class/nvme",
		"sys/class/nvme/nvme*",
		"sys/class/nvme/nvme*/{model,firmware_rev,state,transport,cntlid,device}",
		"sys/class/nvme/nvme*/nvme*n*",
		"sys/class/nvme/nvme*/nvme*n*/{nsid,size,queue/logical_block_size,ana_state}",
		"sys/bus/pci/devices/*/nvme/nvme*",
		"sys/class/nvme-subsystem",
		"sys/class/nvme-subsystem/nvme-subsys*",
		"sys/class/nvme-subsystem/nvme-subsys*/{model,iopolicy}",
		"sys/class/nvme-subsystem/nvme-subsys*/nvme*",
		"sys/class/nvme-subsystem/nvme-subsys*/nvme*/{state,transport}",
		"sys/class/nvme-subsystem/nvme-subsys*/nvme*n*/{nsid,size,queue/logical_block_size,ana_state}",
	}, slices.Concat(SerialFiles, AddressFiles)...)
	SerialFiles = []string{
		"sys/class/nvme/nvme*/serial",
		"sys/class/nvme-subsystem/nvme-subsys*/{serial,subsysnqn}",
	}
	AddressFiles = []string{
		"sys/class/nvme/nvme*/address",
		"sys/class/nvme-subsystem/nvme-subsys*/nvme*/address",
	}
)
