//go:build linux

package dmi

import (
	"fmt"
	"strings"

	"github.com/u-root/u-root/pkg/smbios"
)

// MemoryDevice is one type-17 record: a memory slot and, when populated,
// the module in it.
type MemoryDevice struct {
	Handle      uint16
	ArrayHandle uint16
	Locator     string // the slot's silk-screen name, e.g. "DIMM_A1"
	BankLocator string // e.g. "BANK 0", "NODE 1", "P0_Node0_Channel0_Dimm0"
	// SizeBytes is 0 for an empty slot; SizeUnknown is set when a module
	// is installed but the firmware does not know its size.
	SizeBytes   uint64
	SizeUnknown bool
	FormFactor  string
	Type        string // "DDR4", "DDR5", …
	TypeDetail  string
	// SpeedMTs and ConfiguredSpeedMTs are 0 when unknown or not reported.
	SpeedMTs           uint32
	ConfiguredSpeedMTs uint32
	Manufacturer       string
	SerialNumber       string
	AssetTag           string
	PartNumber         string
	Rank               int // 0 when unknown
	TotalWidth         uint16
	DataWidth          uint16
	// ConfiguredVoltageMV is 0 when unknown.
	ConfiguredVoltageMV uint16
	// Reported says which optional fields the record is long enough to
	// hold; SMBIOS 2.0 records stop after the type detail.
	HasDetails    bool // speed, manufacturer, serial, asset tag, part number
	HasRank       bool
	HasConfigured bool
}

// Populated reports whether a module sits in the slot.
func (m MemoryDevice) Populated() bool { return m.SizeBytes > 0 || m.SizeUnknown }

// MemoryDevices decodes every type-17 record in table order. A record that
// does not decode is returned as a problem and skipped. The records are
// decoded once: an agent keeps its tables across scans, and callers only
// read what it returns.
func (t *Tables) MemoryDevices() ([]MemoryDevice, []error) {
	t.memOnce.Do(func() { t.mem, t.memErrs = t.decodeMemoryDevices() })
	return t.mem, t.memErrs
}

func (t *Tables) decodeMemoryDevices() ([]MemoryDevice, []error) {
	var out []MemoryDevice
	var errs []error
	for _, tab := range t.Info.GetTablesByType(smbios.TableTypeMemoryDevice) {
		md, err := decodeMemoryDevice(tab)
		if err != nil {
			errs = append(errs, fmt.Errorf("smbios memory device 0x%04X: %w", tab.Handle, err))
			continue
		}
		out = append(out, md)
	}
	return out, errs
}

func decodeMemoryDevice(tab *smbios.Table) (MemoryDevice, error) {
	md, err := decode(tab, smbios.NewMemoryDevice)
	if err != nil {
		return MemoryDevice{}, err
	}
	m := MemoryDevice{
		Handle:      tab.Handle,
		ArrayHandle: md.PhysicalMemoryArrayHandle,
		Locator:     clean(md.DeviceLocator),
		BankLocator: clean(md.BankLocator),
		FormFactor:  md.FormFactor.String(),
		Type:        md.Type.String(),
		TypeDetail:  md.TypeDetail.String(),
		TotalWidth:  md.TotalWidth,
		DataWidth:   md.DataWidth,
	}
	// DSP0134 7.18.5: 0 = empty, 0xFFFF = unknown, 0x7FFF = see the
	// extended size (MiB), bit 15 set = KiB instead of MiB. u-root's
	// GetSizeBytes treats 0xFFFF as a size, so it is decoded here.
	switch md.Size {
	case 0:
	case 0xffff:
		m.SizeUnknown = true
	case 0x7fff:
		m.SizeBytes = uint64(md.ExtendedSize&0x7fffffff) << 20
	default:
		if md.Size&0x8000 != 0 {
			m.SizeBytes = uint64(md.Size&0x7fff) << 10
		} else {
			m.SizeBytes = uint64(md.Size) << 20
		}
	}
	if tab.Len() > 0x15 {
		m.HasDetails = true
		m.SpeedMTs = speed(md.Speed, tab, 0x54)
		m.Manufacturer = clean(md.Manufacturer)
		m.SerialNumber = clean(md.SerialNumber)
		m.AssetTag = clean(md.AssetTag)
		m.PartNumber = clean(md.PartNumber)
	}
	if tab.Len() > 0x1b {
		m.HasRank = true
		m.Rank = int(md.Attributes & 0xf)
	}
	if tab.Len() > 0x1c {
		m.HasConfigured = true
		m.ConfiguredSpeedMTs = speed(md.ConfiguredSpeed, tab, 0x58)
	}
	if tab.Len() > 0x26 {
		m.ConfiguredVoltageMV = md.ConfiguredVoltage
	}
	return m, nil
}

// speed reads a 16-bit speed; 0xFFFF means the real value is in the
// 32-bit extended field at ext (SMBIOS 3.3, speeds above 65534 MT/s),
// which u-root does not decode.
func speed(v uint16, tab *smbios.Table, ext int) uint32 {
	if v != 0xffff {
		return uint32(v)
	}
	if x, err := tab.GetDWordAt(ext); err == nil {
		return x & 0x7fffffff
	}
	return 0
}

// clean trims the padding firmware leaves in strings ("HMT351R7CFR8C-PB  ").
func clean(s string) string { return strings.TrimSpace(s) }

// MemoryArray is one type-16 record: a set of slots and the error
// correction it uses.
type MemoryArray struct {
	Handle           uint16
	Location         string
	Use              string
	ErrorCorrection  string // "None", "Single-bit ECC", "Multi-bit ECC", …
	MaxCapacityBytes uint64
	Devices          int
}

var (
	arrayLocations = map[uint8]string{1: "Other", 2: "Unknown", 3: "System Board Or Motherboard", 4: "ISA Add-on Card",
		5: "EISA Add-on Card", 6: "PCI Add-on Card", 7: "MCA Add-on Card", 8: "PCMCIA Add-on Card",
		9: "Proprietary Add-on Card", 10: "NuBus"}
	arrayUses = map[uint8]string{1: "Other", 2: "Unknown", 3: "System Memory", 4: "Video Memory",
		5: "Flash Memory", 6: "Non-volatile RAM", 7: "Cache Memory"}
	arrayECC = map[uint8]string{1: "Other", 2: "Unknown", 3: "None", 4: "Parity",
		5: "Single-bit ECC", 6: "Multi-bit ECC", 7: "CRC"}
)

// tableTypeMemoryArray is the physical memory array record, which u-root
// names no constant for.
const tableTypeMemoryArray smbios.TableType = 16

// MemoryArrays decodes the type-16 records. u-root has no type-16 parser;
// the record is five fixed fields (DSP0134 7.17) read by offset here.
func (t *Tables) MemoryArrays() ([]MemoryArray, []error) {
	var out []MemoryArray
	var errs []error
	for _, tab := range t.Info.GetTablesByType(tableTypeMemoryArray) {
		if tab.Len() < 0x0f {
			errs = append(errs, fmt.Errorf("smbios memory array 0x%04X: record of %d bytes, want at least 15", tab.Handle, tab.Len()))
			continue
		}
		loc, _ := tab.GetByteAt(0x04)
		use, _ := tab.GetByteAt(0x05)
		ecc, _ := tab.GetByteAt(0x06)
		maxKB, _ := tab.GetDWordAt(0x07)
		n, _ := tab.GetWordAt(0x0d)
		a := MemoryArray{Handle: tab.Handle, Location: name(arrayLocations, loc), Use: name(arrayUses, use),
			ErrorCorrection: name(arrayECC, ecc), MaxCapacityBytes: uint64(maxKB) << 10, Devices: int(n)}
		if maxKB == 0x80000000 {
			ext, _ := tab.GetQWordAt(0x0f)
			a.MaxCapacityBytes = ext
		}
		out = append(out, a)
	}
	return out, errs
}

func name(m map[uint8]string, v uint8) string {
	if s, ok := m[v]; ok {
		return s
	}
	return fmt.Sprintf("%#x", v)
}
