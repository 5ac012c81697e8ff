package dmi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/fixture"
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
