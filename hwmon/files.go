package hwmon

// Files are what ReadChips reads, as capture patterns relative to the
// filesystem root (package capture): each chip's name, device link and
// sensor attributes, in its folder and in its device's.
var Files = []string{
	"sys/class/hwmon",
	"sys/class/hwmon/hwmon[0-9]*",
	"sys/class/hwmon/hwmon[0-9]*/{name,device}",
	"sys/class/hwmon/hwmon[0-9]*/{temp,fan,in,curr,power,energy,humidity,intrusion}[0-9]*_*",
	"sys/class/hwmon/hwmon[0-9]*/device/{temp,fan,in,curr,power,energy,humidity,intrusion}[0-9]*_*",
}
