package netclass

// Files are what Interfaces and RDMADevices read, as capture patterns
// relative to the filesystem root (package capture); AddressFiles, among
// them, hold MAC addresses and GUIDs.
var (
	Files = append([]string{
		"sys/class/net",
		"sys/class/net/*",
		"sys/class/net/*/{operstate,phys_port_name,duplex,speed,mtu,carrier,carrier_down_count,flags,device}",
		"sys/class/infiniband",
		"sys/class/infiniband/*",
		"sys/class/infiniband/*/{fw_ver,board_id,hca_type,device,ports}",
		"sys/class/infiniband/*/ports/*",
		"sys/class/infiniband/*/ports/*/{link_layer,state,phys_state,rate,counters}",
		"sys/class/infiniband/*/ports/*/counters/*",
	}, AddressFiles...)
	AddressFiles = []string{"sys/class/net/*/address", "sys/class/infiniband/*/node_guid"}
)
