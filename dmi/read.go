//go:build linux

// Package dmi reads the firmware's SMBIOS (DMI) tables from a sysfs tree
// and decodes the records hwgraph uses: memory devices and arrays, the
// BIOS, system, baseboard and chassis, processors, slots and the IPMI
// device. Records are parsed by github.com/u-root/u-root/pkg/smbios; its
// FromSysfs is hard-wired to the live /sys, so the files are read here.
package dmi

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/u-root/u-root/pkg/smbios"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// maxTableSize bounds what is read from one file: SMBIOS 3 allows tables
// up to 4 GiB, real ones are tens of KiB, and a broken file must not
// exhaust memory.
const maxTableSize = 4 << 20

// Tables is one machine's decoded SMBIOS structure table.
type Tables struct {
	// Info holds the entry point (nil when read from per-record entries)
	// and every table that parsed.
	Info *smbios.Info
	// Source says where the records came from: "tables" (the whole table
	// the kernel exports) or "entries" (one file per record).
	Source string
	// Problems lists what could not be read or parsed; the records before
	// a damaged one are kept.
	Problems []error

	memOnce sync.Once // MemoryDevices, decoded once
	mem     []MemoryDevice
	memErrs []error
}

// Read reads <sysfs>/firmware/dmi/tables (smbios_entry_point and DMI) and,
// when that folder is absent, the per-record dumps in
// <sysfs>/firmware/dmi/entries/*/raw. Both are root-only on Linux. The
// error wraps fs.ErrNotExist when the firmware has no SMBIOS at all.
func Read(sysfs string) (*Tables, error) {
	dir := filepath.Join(sysfs, "firmware", "dmi")
	entry, err := readFile(filepath.Join(dir, "tables", "smbios_entry_point"))
	var table []byte
	if err == nil {
		table, err = readFile(filepath.Join(dir, "tables", "DMI"))
	}
	if err == nil {
		return Parse(entry, table)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read smbios tables: %w", err)
	}
	// No tables folder (older kernels, captures): the entries are the
	// source, and their error is the one that tells what is wrong.
	t, eerr := readEntries(filepath.Join(dir, "entries"))
	if eerr != nil {
		return nil, fmt.Errorf("read smbios: %w", eerr)
	}
	return t, nil
}

// Parse decodes an entry point and the structure table it describes, the
// layout of the sysfs files and of a `dmidecode --dump-bin` file (entry
// point at 0, table at 32). It walks the table with smbios.ParseTable
// rather than smbios.ParseInfo so that a damaged record loses only itself
// and what follows, not the records before it. A bad entry point is a
// problem, not an error, when the table itself parses.
func Parse(entry, table []byte) (t *Tables, err error) {
	defer func() {
		// The decoder indexes firmware-supplied offsets; garbage must be
		// an error for this source, never a crash of the agent.
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("parse smbios: malformed table: %v", r)
		}
	}()
	t = &Tables{Info: &smbios.Info{}, Source: "tables"}
	var eerr error
	t.Info.Entry32, t.Info.Entry64, eerr = smbios.ParseEntry(entry)
	if eerr != nil {
		t.Problems = append(t.Problems, fmt.Errorf("smbios entry point: %w", eerr))
	}
	off, ended := 0, false
	for rest := table; len(rest) > 0; {
		tab, next, perr := smbios.ParseTable(rest)
		if tab != nil {
			t.Info.Tables = append(t.Info.Tables, tab)
			if tab.Type == smbios.TableTypeEndOfTable {
				ended = true
				break
			}
		}
		if perr != nil {
			t.Problems = append(t.Problems, fmt.Errorf("smbios record at offset %d: %w", off, perr))
			break
		}
		off += len(rest) - len(next)
		rest = next
	}
	if len(t.Info.Tables) == 0 {
		return nil, fmt.Errorf("parse smbios: no records: %w", errors.Join(t.Problems...))
	}
	if !ended && len(t.Problems) == 0 {
		// Firmware always ends the table with type 127; without it the
		// table was cut short and records may be missing.
		t.Problems = append(t.Problems, fmt.Errorf("smbios table: no end-of-table record after %d bytes (truncated?)", off))
	}
	return t, nil
}

// readEntries reads every <type>-<instance>/raw record, in type and
// instance order (the kernel lists them in table order per type).
func readEntries(dir string) (*Tables, error) {
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read smbios entries: %w", err)
	}
	type rec struct{ typ, inst int }
	var recs []rec
	for _, e := range ents {
		a, b, ok := strings.Cut(e.Name, "-")
		typ, err1 := strconv.Atoi(a)
		inst, err2 := strconv.Atoi(b)
		if ok && err1 == nil && err2 == nil {
			recs = append(recs, rec{typ, inst})
		}
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].typ != recs[j].typ {
			return recs[i].typ < recs[j].typ
		}
		return recs[i].inst < recs[j].inst
	})
	t := &Tables{Info: &smbios.Info{}, Source: "entries"}
	for _, r := range recs {
		name := fmt.Sprintf("%d-%d", r.typ, r.inst)
		raw, err := readFile(filepath.Join(dir, name, "raw"))
		if err != nil {
			t.Problems = append(t.Problems, fmt.Errorf("smbios entry %s: %w", name, err))
			continue
		}
		tab, err := parseRecord(raw)
		if err != nil {
			t.Problems = append(t.Problems, fmt.Errorf("smbios entry %s: %w", name, err))
			continue
		}
		t.Info.Tables = append(t.Info.Tables, tab)
	}
	if len(t.Info.Tables) == 0 {
		if len(t.Problems) > 0 {
			return nil, fmt.Errorf("read smbios entries: %w", errors.Join(t.Problems...))
		}
		return nil, fmt.Errorf("read smbios entries: none in %s: %w", dir, fs.ErrNotExist)
	}
	return t, nil
}

func parseRecord(raw []byte) (tab *smbios.Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			tab, err = nil, fmt.Errorf("malformed record: %v", r)
		}
	}()
	tab, _, err = smbios.ParseTable(raw)
	if tab != nil && tab.Type == smbios.TableTypeEndOfTable {
		err = nil
	}
	return tab, err
}

// readFile reads a table or record, bounded, through the one reader (a
// captured tree's links stay inside it).
func readFile(path string) ([]byte, error) { return sysfsattr.ReadFile(path, maxTableSize) }
