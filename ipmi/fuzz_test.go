package ipmi

import (
	"encoding/hex"
	"testing"

	"github.com/bougou/go-ipmi/pkg/types"
)

// The seeds are the records collectors/bmc_test.go serves from OpenIPMI's
// ipmi_sim and reads back through go-ipmi: a memory-type SEL event, the
// "Inlet Temp" full sensor record, and records of the other types and
// lengths the IPMI 2.0 specification (sections 32 and 43) defines.
var (
	selSeeds = []string{
		"020002000000002000040c016f00ffff", // standard: memory, sensor 0x01, sensor-specific
		"0300020000000020000407016f0102ff", // standard: processor
		"0400c0785634120011223344556677",   // OEM timestamped, one byte short
		"0400c078563412001122334455667788", // OEM timestamped
		"0500e000112233445566778899aabbcc", // OEM non-timestamped
	}
	sdrSeeds = []string{
		// "Inlet Temp", full sensor record (type 01h), as bmc_test.go builds it.
		"000051013520000107017f680101000000301818000100000100000000000019460aff005a50460000000202000000ca496e6c65742054656d70",
		// "PSU1 Status", compact sensor record (type 02h): power supply, sensor-specific.
		"01005102262000020a016768086f0100010001000000000100000000000000cb5053553120537461747573",
		// "BMC", management controller device locator (type 12h).
		"020051120e2000002e0000002e0100c3424d43",
		// "FRU Data", FRU device locator (type 11h).
		"030051111320008000001000070100c84652552044617461",
		// OEM record (type C0h): a manufacturer ID and data.
		"040051c006570100aabbcc",
	}
)

func seed(f *testing.F, list []string) {
	for _, s := range list {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatalf("seed %q: %v", s, err)
		}
		f.Add(b)
	}
}

// FuzzSEL feeds System Event Log records, as a BMC answers Get SEL Entry,
// through go-ipmi's decoder and our conversion of them into events.
func FuzzSEL(f *testing.F) {
	seed(f, selSeeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		sel, err := types.ParseSEL(b)
		if err != nil {
			return
		}
		e := selEntry(sel)
		if e.Type == "" || e.RecordID != sel.RecordID {
			t.Fatalf("entry %+v from %x", e, b)
		}
	})
}

// FuzzSDR feeds Sensor Data Records, as a BMC answers Get SDR, through
// go-ipmi's decoder and the conversions sensors are read with.
func FuzzSDR(f *testing.F) {
	seed(f, sdrSeeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		sdr, err := types.ParseSDR(b, 0xffff)
		if err != nil {
			return
		}
		_ = sdr.SensorName()
		_ = sdr.SensorNumber()
		if sdr.HasAnalogReading() && sdr.Full != nil {
			for _, raw := range []uint8{0, 35, 0x7f, 0x80, 0xff} {
				_ = sdr.Full.ConvertReading(raw)
			}
			_ = sdr.Full.SensorThreshold(types.SensorThresholdType_UCR)
		}
	})
}

// TestFuzzSeedsDecode: each seed is a record go-ipmi decodes, so fuzzing
// starts from the decoders' inner paths, not their length checks.
func TestFuzzSeedsDecode(t *testing.T) {
	for _, s := range selSeeds {
		b, _ := hex.DecodeString(s)
		if _, err := types.ParseSEL(b); err != nil && len(b) == 16 {
			t.Errorf("SEL seed %s: %v", s, err)
		}
	}
	for _, s := range sdrSeeds {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("SDR seed %s: %v", s, err)
		}
		sdr, err := types.ParseSDR(b, 0xffff)
		if err != nil {
			t.Errorf("SDR seed %s: %v", s, err)
			continue
		}
		t.Logf("%s: %q", sdr.RecordHeader.RecordType, sdr.SensorName())
	}
}
