package dmi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestRedactMatchesDmidecode redacts real firmware tables and reads them
// back with dmidecode: every serial number, asset tag and the UUID are
// replaced, and every other line dmidecode prints is as it was.
func TestRedactMatchesDmidecode(t *testing.T) {
	bin := fixture.Tool(t, "dmidecode", "dmidecode")
	text := func(s string) string { return strings.Repeat("R", len(s)) }
	uuid := func([16]byte) [16]byte { return [16]byte{15: 0x2a} }
	for _, file := range dumps(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			red := bytes.Clone(b)
			Redact(red[32:], text, uuid)
			if len(red) != len(b) {
				t.Fatalf("length %d, was %d", len(red), len(b))
			}
			redFile := filepath.Join(t.TempDir(), "redacted.bin")
			if err := os.WriteFile(redFile, red, 0o644); err != nil {
				t.Fatal(err)
			}
			before, after := dmidecode(t, bin, file), dmidecode(t, bin, redFile)
			if len(before) != len(after) {
				t.Fatalf("dmidecode prints %d lines of the redacted table, %d of the original", len(after), len(before))
			}
			replaced := 0
			for i := range before {
				field, value, _ := strings.Cut(strings.TrimSpace(before[i]), ": ")
				switch {
				case field == "Serial Number" || field == "Asset Tag":
					if want := "\t" + field + ": " + text(value); after[i] != want {
						t.Errorf("%q redacted as %q, want %q", before[i], after[i], want)
					}
					replaced++
				case field == "UUID":
					if want := "\tUUID: 00000000-0000-0000-0000-00000000002a"; after[i] != want {
						t.Errorf("%q redacted as %q, want %q", before[i], after[i], want)
					}
					replaced++
				case before[i] != after[i]:
					t.Errorf("line %d changed: %q became %q", i+1, before[i], after[i])
				}
			}
			if replaced < 5 {
				t.Errorf("%d values replaced; the tables hold more", replaced)
			}
		})
	}
}

// dmidecode prints the records of the types that hold secrets, without
// the header that names the file.
func dmidecode(t *testing.T, bin, file string) []string {
	t.Helper()
	out, err := exec.Command(bin, "--from-dump", file, "-t", "1,2,3,4,17,22,39").Output()
	if err != nil {
		t.Fatalf("dmidecode %s: %v", file, err)
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Handle ") {
			return lines[i:]
		}
	}
	t.Fatalf("dmidecode %s printed no record", file)
	return nil
}

// FuzzRedact: any bytes as a table are redacted without a panic and keep
// their length.
func FuzzRedact(f *testing.F) {
	for _, file := range []string{"smbios_table.bin", "satellite_pro_l70_testdata.bin"} {
		b, err := os.ReadFile(filepath.Join(fixture.Dir(f), "smbios", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[32:])
		f.Add(b[32 : 32+len(b[32:])/2])
	}
	f.Fuzz(func(t *testing.T, table []byte) {
		n := len(table)
		Redact(table, func(s string) string { return s + "\x00more" }, func(u [16]byte) [16]byte { return u })
		if len(table) != n {
			t.Fatalf("length %d, was %d", len(table), n)
		}
	})
}
