package i2c

// Role names what usually sits at a 7-bit address on a server's SMBus,
// for display only: nothing is decided or probed from it, since any
// address can hold anything.
func Role(addr uint16) string {
	switch {
	case addr >= 0x18 && addr <= 0x1f:
		return "DIMM temperature sensor (JC-42.4)"
	case addr >= 0x30 && addr <= 0x37:
		return "SPD write protection (DDR4)"
	case addr >= 0x48 && addr <= 0x4f:
		return "temperature sensor (LM75-class)"
	case addr >= 0x50 && addr <= 0x57:
		return "SPD EEPROM (DIMM)"
	case addr >= 0x58 && addr <= 0x5f:
		return "PMBus power supply or regulator"
	case addr == 0x20:
		return "BMC (IPMB)"
	case addr == 0x2e || addr == 0x2f:
		return "fan controller / hardware monitor"
	case addr >= 0x70 && addr <= 0x77:
		return "I2C multiplexer"
	case addr == 0x08:
		return "SMBus host"
	case addr == 0x0c:
		return "SMBus alert response"
	}
	return ""
}
