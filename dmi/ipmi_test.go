package dmi

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// specDump builds a dmidecode dump around records laid out by hand from
// DSP0134: none of the real tables we have comes from a board with a BMC.
func specDump(records ...[]byte) []byte {
	var table []byte
	for _, r := range records {
		table = append(table, r...)
	}
	table = append(table, 127, 4, 0xff, 0xfe, 0, 0) // end of table
	entry := make([]byte, 32)
	copy(entry, "_SM3_")
	entry[6], entry[7], entry[8], entry[10] = 0x18, 3, 2, 1
	binary.LittleEndian.PutUint32(entry[12:], uint32(len(table)))
	binary.LittleEndian.PutUint64(entry[16:], 32)
	var sum byte
	for _, b := range entry[:0x18] {
		sum += b
	}
	entry[5] = -sum
	return append(entry, table...)
}

// TestIPMIDeviceFromSpecMatchesDmidecode: a type-38 record for a KCS BMC
// at I/O port 0xCA2, decoded by us and by dmidecode.
func TestIPMIDeviceFromSpecMatchesDmidecode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		iface     byte
		base      uint64
		modifier  byte
		want      IPMI
		wantBase  string
		wantIface string
	}{
		{"KCS at 0xCA2", 1, 0xca3, 0x00, IPMI{Interface: "KCS", SpecVersion: "2.0", BaseAddress: 0xca2, IOSpace: true, I2CAddress: 0x10},
			"0x0000000000000CA2 (I/O)", "KCS (Keyboard Control Style)"},
		{"BT in memory space", 3, 0xfed40000, 0x10, IPMI{Interface: "BT", SpecVersion: "2.0", BaseAddress: 0xfed40001, I2CAddress: 0x10},
			"0x00000000FED40001 (Memory-mapped)", "BT (Block Transfer)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := []byte{38, 0x12, 0x50, 0x00, tc.iface, 0x20, 0x20, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, tc.modifier, 0}
			binary.LittleEndian.PutUint64(rec[8:], tc.base)
			rec = append(rec, 0, 0)
			b := specDump(rec)
			file := filepath.Join(t.TempDir(), "dump.bin")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			w := dmidecodeRecords(t, file, 38)[0x50]
			if w == nil {
				t.Fatal("dmidecode shows no type 38 record")
			}
			tabs, err := Parse(b[:32], b[32:])
			if err != nil || len(tabs.Problems) > 0 {
				t.Fatalf("parse: %v %v", err, tabs.Problems)
			}
			got, errs := tabs.IPMIDevices()
			if len(errs) > 0 || len(got) != 1 || got[0] != tc.want {
				t.Fatalf("IPMIDevices %+v %v, want %+v", got, errs, tc.want)
			}
			if w["Interface Type"] != tc.wantIface || w["Base Address"] != tc.wantBase ||
				w["Specification Version"] != got[0].SpecVersion || w["I2C Slave Address"] != fmt.Sprintf("0x%02x", got[0].I2CAddress) {
				t.Errorf("dmidecode %v, we decoded %+v", w, got[0])
			}
		})
	}
}
