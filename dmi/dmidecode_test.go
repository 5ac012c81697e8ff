package dmi

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// dmidecodeRecords runs `dmidecode --from-dump FILE -t TYPE` and returns
// each record's fields by name, keyed by handle.
func dmidecodeRecords(t *testing.T, file string, typ int) map[uint16]map[string]string {
	t.Helper()
	bin := fixture.Tool(t, "dmidecode", "dmidecode")
	out, err := exec.Command(bin, "--from-dump", file, "-t", strconv.Itoa(typ)).Output()
	if err != nil {
		t.Fatalf("dmidecode %s: %v", file, err)
	}
	recs := map[uint16]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if h, ok := strings.CutPrefix(line, "Handle 0x"); ok {
			n, err := strconv.ParseUint(h[:4], 16, 16)
			if err != nil {
				t.Fatalf("dmidecode line %q: %v", line, err)
			}
			cur = map[string]string{}
			recs[uint16(n)] = cur
			continue
		}
		if cur == nil || !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "\t"), ": "); ok {
			cur[k] = strings.TrimSpace(v)
		}
	}
	return recs
}

// dumps are u-root's test tables: a Lenovo ThinkPad T490 (SMBIOS 3.1.1)
// and a Toshiba Satellite Pro L70 (SMBIOS 2.7), in dmidecode's dump layout.
func dumps(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(fixture.Dir(t), "smbios", "*.bin"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no smbios dumps: %v", err)
	}
	return files
}

func parseDump(t testing.TB, file string) *Tables {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := Parse(b[:32], b[32:])
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(tabs.Problems) > 0 {
		t.Errorf("%s: problems %v", file, tabs.Problems)
	}
	return tabs
}

// dmidecodeSize prints a size the way dmidecode 3.x does.
func dmidecodeSize(m MemoryDevice) string {
	switch {
	case m.SizeUnknown:
		return "Unknown"
	case m.SizeBytes == 0:
		return "No Module Installed"
	}
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	v, u := m.SizeBytes, 0
	for v%1024 == 0 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	return fmt.Sprintf("%d %s", v, units[u])
}

func mts(v uint32) string {
	if v == 0 {
		return "Unknown"
	}
	return fmt.Sprintf("%d MT/s", v)
}

func bits(v uint16) string {
	if v == 0 || v == 0xffff {
		return "Unknown"
	}
	return fmt.Sprintf("%d bits", v)
}

// TestMemoryDevicesMatchDmidecode: every type-17 record decodes to what
// dmidecode prints for the same bytes, populated slots and empty ones.
func TestMemoryDevicesMatchDmidecode(t *testing.T) {
	for _, file := range dumps(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := dmidecodeRecords(t, file, 17)
			mds, errs := parseDump(t, file).MemoryDevices()
			if len(errs) > 0 {
				t.Errorf("problems: %v", errs)
			}
			if len(mds) != len(want) || len(mds) == 0 {
				t.Fatalf("%d memory devices, dmidecode shows %d", len(mds), len(want))
			}
			for _, m := range mds {
				w, ok := want[m.Handle]
				if !ok {
					t.Errorf("handle 0x%04X not in dmidecode", m.Handle)
					continue
				}
				got := map[string]string{
					"Array Handle": fmt.Sprintf("0x%04X", m.ArrayHandle),
					"Locator":      m.Locator,
					"Bank Locator": m.BankLocator,
					"Size":         dmidecodeSize(m),
					"Form Factor":  m.FormFactor,
					"Type":         m.Type,
					"Total Width":  bits(m.TotalWidth),
					"Data Width":   bits(m.DataWidth),
				}
				// dmidecode stops at the type detail for an empty slot.
				if m.Populated() && m.HasDetails {
					got["Speed"] = mts(m.SpeedMTs)
					got["Manufacturer"] = m.Manufacturer
					got["Serial Number"] = m.SerialNumber
					got["Asset Tag"] = m.AssetTag
					got["Part Number"] = m.PartNumber
				}
				if m.Populated() && m.HasRank {
					got["Rank"] = "Unknown"
					if m.Rank > 0 {
						got["Rank"] = strconv.Itoa(m.Rank)
					}
				}
				if m.Populated() && m.HasConfigured {
					got["Configured Memory Speed"] = mts(m.ConfiguredSpeedMTs)
				}
				for k, v := range got {
					if w[k] != v {
						t.Errorf("0x%04X %s: %q, dmidecode %q", m.Handle, k, v, w[k])
					}
				}
				for _, k := range []string{"Speed", "Part Number", "Rank", "Configured Memory Speed"} {
					if _, ok := w[k]; ok && got[k] == "" {
						t.Errorf("0x%04X: dmidecode shows %s %q, we decoded none", m.Handle, k, w[k])
					}
				}
			}
		})
	}
}

// TestMemoryArraysMatchDmidecode: type 16, which u-root does not decode.
func TestMemoryArraysMatchDmidecode(t *testing.T) {
	for _, file := range dumps(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := dmidecodeRecords(t, file, 16)
			arrays, errs := parseDump(t, file).MemoryArrays()
			if len(errs) > 0 || len(arrays) != len(want) || len(arrays) == 0 {
				t.Fatalf("%d arrays (problems %v), dmidecode shows %d", len(arrays), errs, len(want))
			}
			for _, a := range arrays {
				w := want[a.Handle]
				capacity := dmidecodeSize(MemoryDevice{SizeBytes: a.MaxCapacityBytes})
				for k, v := range map[string]string{"Location": a.Location, "Use": a.Use,
					"Error Correction Type": a.ErrorCorrection, "Maximum Capacity": capacity,
					"Number Of Devices": strconv.Itoa(a.Devices)} {
					if w[k] != v {
						t.Errorf("0x%04X %s: %q, dmidecode %q", a.Handle, k, v, w[k])
					}
				}
			}
		})
	}
}

// TestSystemMatchesDmidecode: BIOS, system, board and chassis strings.
func TestSystemMatchesDmidecode(t *testing.T) {
	for _, file := range dumps(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s, errs := parseDump(t, file).System()
			if len(errs) > 0 {
				t.Errorf("problems: %v", errs)
			}
			one := func(typ int) map[string]string {
				for _, r := range dmidecodeRecords(t, file, typ) {
					return r
				}
				t.Fatalf("dmidecode shows no type %d", typ)
				return nil
			}
			bios, sys, board, chassis := one(0), one(1), one(2), one(3)
			for _, c := range []struct{ got, want string }{
				{s.BIOSVendor, bios["Vendor"]}, {s.BIOSVersion, bios["Version"]}, {s.BIOSDate, bios["Release Date"]},
				{s.Manufacturer, sys["Manufacturer"]}, {s.Product, sys["Product Name"]}, {s.Version, sys["Version"]},
				{s.Serial, sys["Serial Number"]}, {s.UUID, strings.ToLower(sys["UUID"])}, {s.Family, sys["Family"]},
				{s.BoardVendor, board["Manufacturer"]}, {s.BoardProduct, board["Product Name"]}, {s.BoardSerial, board["Serial Number"]},
				{s.ChassisVendor, chassis["Manufacturer"]}, {s.ChassisType, chassis["Type"]}, {s.ChassisSerial, chassis["Serial Number"]},
			} {
				if c.got != c.want {
					t.Errorf("%q, dmidecode %q", c.got, c.want)
				}
			}
		})
	}
}

// TestProcessorsAndSlotsMatchDmidecode: sockets (type 4) and slots with
// their bus addresses (type 9).
func TestProcessorsAndSlotsMatchDmidecode(t *testing.T) {
	for _, file := range dumps(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tabs := parseDump(t, file)
			procs, errs := tabs.Processors()
			want := dmidecodeRecords(t, file, 4)
			if len(errs) > 0 || len(procs) != len(want) || len(procs) == 0 {
				t.Fatalf("%d processors (problems %v), dmidecode %d", len(procs), errs, len(want))
			}
			for _, p := range procs {
				var w map[string]string
				for _, r := range want {
					if r["Socket Designation"] == p.Socket {
						w = r
					}
				}
				if w == nil || w["Version"] != p.Version || w["Max Speed"] != fmt.Sprintf("%d MHz", p.MaxSpeedMHz) ||
					strings.HasPrefix(w["Status"], "Populated") != p.Populated {
					t.Errorf("processor %+v, dmidecode %v", p, w)
				}
				if c, ok := w["Core Count"]; ok && c != strconv.Itoa(p.Cores) {
					t.Errorf("cores %d, dmidecode %s", p.Cores, c)
				}
			}
			slots, errs := tabs.Slots()
			wantSlots := dmidecodeRecords(t, file, 9)
			if len(errs) > 0 || len(slots) != len(wantSlots) {
				t.Fatalf("%d slots (problems %v), dmidecode %d", len(slots), errs, len(wantSlots))
			}
			for _, s := range slots {
				found := false
				for _, w := range wantSlots {
					addr := w["Bus Address"]
					if strings.HasPrefix(addr, "ff") || strings.Contains(addr, ":ff:") {
						addr = ""
					}
					if w["Designation"] == s.Designation && addr == s.Address &&
						(w["Current Usage"] == "In Use") == s.InUse {
						found = true
					}
				}
				if !found {
					t.Errorf("slot %+v not shown by dmidecode: %v", s, wantSlots)
				}
			}
		})
	}
}
