package pcie

// Files are what ReadDevices and ReadSlots read, as capture patterns
// relative to the filesystem root (package capture): the bus listing, each
// function's attributes through its link, and the slots.
var Files = func() []string {
	out := []string{"sys/bus/pci/devices", "sys/bus/pci/slots", "sys/bus/pci/slots/*/address", "sys/bus/pci/slots/*/power"}
	for _, a := range deviceAttrs.List() {
		out = append(out, "sys/bus/pci/devices/*/"+a)
	}
	return out
}()
