package pcie

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func TestParseAERRealFiles(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := filepath.Join(root, "sys/devices/pci0000:00/0000:00:02.1/0000:01:00.0")
	for _, tc := range []struct {
		file   string
		fields int
		total  string
	}{
		{"aer_dev_correctable", 9, "TOTAL_ERR_COR"},
		{"aer_dev_nonfatal", 19, "TOTAL_ERR_NONFATAL"},
		{"aer_dev_fatal", 19, "TOTAL_ERR_FATAL"},
	} {
		f, err := os.Open(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseAER(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(s) != tc.fields {
			t.Errorf("%s: %d fields, want %d", tc.file, len(s), tc.fields)
		}
		if v, ok := s[tc.total]; !ok || v != 0 || s.Total() != 0 {
			t.Errorf("%s: %s = %d (%v), Total %d; the file says 0", tc.file, tc.total, v, ok, s.Total())
		}
	}
}

func TestParseAER(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		total uint64
		err   bool
	}{
		{"kernel layout", "RxErr 3\nBadTLP 1\nTOTAL_ERR_COR 4\n", 4, false},
		{"no total line sums fields", "RxErr 3\nBadTLP 1\n", 4, false},
		{"empty", "", 0, false},
		{"garbage", "RxErr three\n", 0, true},
		{"three fields", "RxErr 1 2\n", 0, true},
		{"negative", "RxErr -1\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseAER(strings.NewReader(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err == nil && s.Total() != tc.total {
				t.Errorf("Total %d, want %d", s.Total(), tc.total)
			}
		})
	}
}

func FuzzParseAER(f *testing.F) {
	f.Add("RxErr 0\nBadTLP 0\nBadDLLP 0\nRollover 0\nTimeout 0\nNonFatalErr 0\nCorrIntErr 0\nHeaderOF 0\nTOTAL_ERR_COR 0\n")
	f.Add("Undefined 0\nDLP 2\nTOTAL_ERR_FATAL 2\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseAER(strings.NewReader(in))
		if err == nil && s == nil {
			t.Fatal("nil stats without error")
		}
	})
}

func FuzzParseLinkSpeed(f *testing.F) {
	for _, s := range []string{"8.0 GT/s PCIe", "5 GT/s", "Unknown", "2.5 GT/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, ok, err := ParseLinkSpeed(in)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if ok && v < 0 {
			t.Fatalf("negative speed %v", v)
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"0000:3b:00.0", "10000:e0:1d.0", "0000:00:1f.7", "garbage"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			return
		}
		// What parses prints back to something that parses to the same.
		if b, err := ParseAddress(a.String()); err != nil || b != a {
			t.Errorf("%q → %v → %q → %v, %v", s, a, a.String(), b, err)
		}
	})
}
