package i2c

// Files are what ReadAdapters reads, as capture patterns relative to the
// filesystem root (package capture): the adapters through the bus
// listing, and for trees without one, wherever they are below
// sys/devices; each adapter's clients.
var Files = func() []string {
	var out []string
	for _, adapter := range []string{"sys/bus/i2c/devices/i2c-[0-9]*", "sys/devices/**/i2c-[0-9]*"} {
		out = append(out, adapter, adapter+"/name", adapter+"/[0-9]*-*",
			adapter+"/[0-9]*-*/{name,modalias,driver,eeprom}", adapter+"/[0-9]*-*/hwmon/hwmon*")
	}
	return append(out, "sys/bus/i2c/devices")
}()
