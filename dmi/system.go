//go:build linux

package dmi

import (
	"fmt"

	"github.com/u-root/u-root/pkg/smbios"
)

// System is what types 0 to 3 say about the machine: its BIOS, the
// product, the main board and the chassis. Strings are as the firmware
// wrote them, trimmed; placeholders are left for the caller to judge.
type System struct {
	BIOSVendor, BIOSVersion, BIOSDate      string
	Manufacturer, Product, Version, Serial string
	UUID, SKU, Family                      string
	BoardVendor, BoardProduct, BoardSerial string
	ChassisVendor, ChassisType             string
	ChassisSerial, ChassisAssetTag         string
}

// System decodes the first BIOS, system, baseboard and chassis records.
func (t *Tables) System() (System, []error) {
	var s System
	var errs []error
	if tab := first(t, smbios.TableTypeBIOSInfo); tab != nil {
		b, err := decode(tab, smbios.ParseBIOSInfo)
		if err == nil {
			s.BIOSVendor, s.BIOSVersion, s.BIOSDate = clean(b.Vendor), clean(b.Version), clean(b.ReleaseDate)
		}
		errs = appendErr(errs, "bios", tab, err)
	}
	if tab := first(t, smbios.TableTypeSystemInfo); tab != nil {
		si, err := decode(tab, smbios.ParseSystemInfo)
		if err == nil {
			s.Manufacturer, s.Product, s.Version = clean(si.Manufacturer), clean(si.ProductName), clean(si.Version)
			s.Serial, s.SKU, s.Family = clean(si.SerialNumber), clean(si.SKUNumber), clean(si.Family)
			if si.UUID != (smbios.UUID{}) {
				s.UUID = si.UUID.String()
			}
		}
		errs = appendErr(errs, "system", tab, err)
	}
	if tab := first(t, smbios.TableTypeBaseboardInfo); tab != nil {
		bb, err := decode(tab, smbios.ParseBaseboardInfo)
		if err == nil {
			s.BoardVendor, s.BoardProduct, s.BoardSerial = clean(bb.Manufacturer), clean(bb.Product), clean(bb.SerialNumber)
		}
		errs = appendErr(errs, "baseboard", tab, err)
	}
	if tab := first(t, smbios.TableTypeChassisInfo); tab != nil {
		c, err := decode(tab, smbios.ParseChassisInfo)
		if err == nil {
			s.ChassisVendor, s.ChassisType = clean(c.Manufacturer), c.Type.String()
			s.ChassisSerial, s.ChassisAssetTag = clean(c.SerialNumber), clean(c.AssetTagNumber)
		}
		errs = appendErr(errs, "chassis", tab, err)
	}
	return s, errs
}

// Processor is one type-4 record: a CPU socket.
type Processor struct {
	Socket       string // "CPU1", "U3E1"
	Manufacturer string
	Version      string // the model string, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"
	Populated    bool
	Cores        int
	Threads      int
	MaxSpeedMHz  int
}

// Processors decodes the type-4 records in table order.
func (t *Tables) Processors() ([]Processor, []error) {
	var out []Processor
	var errs []error
	for _, tab := range t.Info.GetTablesByType(smbios.TableTypeProcessorInfo) {
		p, err := decode(tab, smbios.ParseProcessorInfo)
		if err != nil {
			errs = appendErr(errs, "processor", tab, err)
			continue
		}
		out = append(out, Processor{
			Socket: clean(p.SocketDesignation), Manufacturer: clean(p.Manufacturer), Version: clean(p.Version),
			// DSP0134 7.5.7: status bit 6 is "CPU socket populated".
			Populated: p.Status&0x40 != 0,
			Cores:     p.GetCoreCount(), Threads: p.GetThreadCount(), MaxSpeedMHz: int(p.MaxSpeed),
		})
	}
	return out, errs
}

// Slot is one type-9 record: an expansion slot and the PCI function in it.
type Slot struct {
	Designation string // the silk-screen name, "PCIe Slot 3", "J6B1"
	InUse       bool
	// Address is the PCI function in the slot, "0000:3b:00.0", or "" when
	// the firmware gives none (0xFF bus and device).
	Address string
}

// Slots decodes the type-9 records.
func (t *Tables) Slots() ([]Slot, []error) {
	var out []Slot
	var errs []error
	for _, tab := range t.Info.GetTablesByType(smbios.TableTypeSystemSlots) {
		s, err := decode(tab, smbios.ParseSystemSlots)
		if err != nil {
			errs = appendErr(errs, "slot", tab, err)
			continue
		}
		sl := Slot{Designation: clean(s.SlotDesignation), InUse: s.CurrentUsage == 4}
		// The address fields came with SMBIOS 2.6 (record length 0x11).
		if tab.Len() >= 0x11 && s.BusNumber != 0xff && s.DeviceFunctionNumber != 0xff {
			sl.Address = fmt.Sprintf("%04x:%02x:%02x.%d", s.SegmentGroupNumber, s.BusNumber,
				s.DeviceFunctionNumber>>3, s.DeviceFunctionNumber&7)
		}
		out = append(out, sl)
	}
	return out, errs
}

// IPMI is a type-38 record: how the host reaches its BMC.
type IPMI struct {
	Interface   string // "KCS", "SMIC", "BT" or "SSIF"
	SpecVersion string // "2.0"
	// BaseAddress is the I/O port or memory address of the system
	// interface (KCS, SMIC, BT); for SSIF it is the SMBus address.
	BaseAddress uint64
	IOSpace     bool
	// I2CAddress is the BMC's 7-bit slave address on the IPMB.
	I2CAddress uint8
}

var bmcInterfaces = map[smbios.BMCInterfaceType]string{1: "KCS", 2: "SMIC", 3: "BT", 4: "SSIF"}

// IPMIDevices decodes the type-38 records; most boards with a BMC have one.
func (t *Tables) IPMIDevices() ([]IPMI, []error) {
	var out []IPMI
	var errs []error
	for _, tab := range t.Info.GetTablesByType(smbios.TableTypeIPMIDeviceInfo) {
		d, err := decode(tab, smbios.ParseIPMIDeviceInfo)
		if err != nil {
			errs = appendErr(errs, "ipmi device", tab, err)
			continue
		}
		ip := IPMI{
			Interface:   bmcInterfaces[d.InterfaceType],
			SpecVersion: fmt.Sprintf("%d.%d", d.IPMISpecificationRevision>>4, d.IPMISpecificationRevision&0xf),
			I2CAddress:  d.I2CSlaveAddress >> 1,
		}
		if ip.Interface == "" {
			ip.Interface = d.InterfaceType.String()
		}
		if ip.Interface == "SSIF" {
			ip.BaseAddress = (d.BaseAddress & 0xff) >> 1
		} else {
			// DSP0134 7.39.1: bit 0 selects I/O space, and bit 4 of the
			// modifier byte is the address's least significant bit.
			ip.IOSpace = d.BaseAddress&1 != 0
			ip.BaseAddress = d.BaseAddress&^1 | uint64(d.BaseAddressModifierInterruptInfo>>4&1)
		}
		out = append(out, ip)
	}
	return out, errs
}

func first(t *Tables, tt smbios.TableType) *smbios.Table {
	if ts := t.Info.GetTablesByType(tt); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// decode runs one of u-root's record parsers, turning a panic on a
// malformed record into an error for that record.
func decode[T any](tab *smbios.Table, parse func(*smbios.Table) (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed record: %v", r)
		}
	}()
	return parse(tab)
}

func appendErr(errs []error, what string, tab *smbios.Table, err error) []error {
	if err == nil {
		return errs
	}
	return append(errs, fmt.Errorf("smbios %s 0x%04X: %w", what, tab.Handle, err))
}
