package numa

// NodeFiles are what ReadNodes reads, and CPUFiles what ReadCPUs reads,
// as capture patterns relative to the filesystem root (package capture).
// The numbered folders themselves are captured: an offline CPU is a
// folder with nothing in it that is read.
var (
	NodeFiles = []string{
		"sys/devices/system/node/node[0-9]*",
		"sys/devices/system/node/node[0-9]*/{cpulist,cpumap,meminfo,distance}",
	}
	CPUFiles = []string{
		"sys/devices/system/cpu/online",
		"sys/devices/system/cpu/cpu[0-9]*",
		"sys/devices/system/cpu/cpu[0-9]*/online",
		"sys/devices/system/cpu/cpu[0-9]*/topology",
		"sys/devices/system/cpu/cpu[0-9]*/topology/{physical_package_id,core_id}",
		"sys/devices/system/cpu/cpu[0-9]*/thermal_throttle/{core_throttle_count,count,package_throttle_count}",
		"proc/cpuinfo",
	}
)
