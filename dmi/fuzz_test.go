package dmi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// FuzzParse feeds damaged tables, seeded with the real dumps, through the
// whole decoding path: it may return errors and problems, never panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixture.Dir(f), "smbios", "*.bin"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 32 {
			return
		}
		tabs, err := Parse(b[:32], b[32:])
		if err != nil {
			return
		}
		tabs.MemoryDevices()
		tabs.MemoryArrays()
		tabs.System()
		tabs.Processors()
		tabs.Slots()
		tabs.IPMIDevices()
	})
}

// TestTruncatedTables cuts the real tables at every length: each cut
// either errors or keeps the records before the cut, with a problem.
func TestTruncatedTables(t *testing.T) {
	for _, file := range dumps(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		full := parseDump(t, file)
		for n := 32; n < len(b); n++ {
			tabs, err := Parse(b[:32], b[32:n])
			if err != nil {
				continue
			}
			if len(tabs.Info.Tables) >= len(full.Info.Tables) {
				t.Fatalf("%s cut at %d: %d records, the whole table has %d", file, n, len(tabs.Info.Tables), len(full.Info.Tables))
			}
			if len(tabs.Problems) == 0 {
				t.Errorf("%s cut at %d: no problem reported", file, n)
			}
		}
	}
}

// TestGarbageEntryPoint: a bad entry point is reported, the table is kept.
func TestGarbageEntryPoint(t *testing.T) {
	b, err := os.ReadFile(dumps(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := Parse([]byte("garbage"), b[32:])
	if err != nil || len(tabs.Problems) != 1 || len(tabs.Info.Tables) < 10 {
		t.Fatalf("Parse with a bad entry point: %v, %+v", err, tabs)
	}
	if _, err := Parse(b[:32], []byte{0xff, 0xff}); err == nil {
		t.Error("two bytes of table parsed without error")
	}
}

// FuzzReadEntries writes fuzzed bytes into one of 32em64t's per-record
// entries (entries/17-N/raw, as kernels without the tables folder export
// them) and reads them all: a damaged record costs itself, not the others.
func FuzzReadEntries(f *testing.F) {
	sysfs := filepath.Join(fixture.Root(f, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"), "sys")
	files, _ := filepath.Glob(filepath.Join(sysfs, "firmware/dmi/entries/17-*/raw"))
	if len(files) != 24 {
		f.Fatalf("%d memory device records, want 24", len(files))
	}
	fixture.FuzzFiles(f, files[:8], func(t *testing.T, damaged string) {
		tabs, err := Read(sysfs)
		if err != nil {
			t.Fatalf("a damaged %s lost all records: %v", damaged, err)
		}
		if devs, _ := tabs.MemoryDevices(); len(devs) < 23 {
			t.Fatalf("a damaged %s: %d memory devices, want at least the 23 others", damaged, len(devs))
		}
	})
}
