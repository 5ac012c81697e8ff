package thermal

// Files are what ReadCoolingDevices reads, as capture patterns relative
// to the filesystem root (package capture).
var Files = []string{
	"sys/class/thermal",
	"sys/class/thermal/cooling_device[0-9]*",
	"sys/class/thermal/cooling_device[0-9]*/{type,cur_state,max_state,device}",
}
