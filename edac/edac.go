// Package edac reads the kernel's EDAC memory-controller tree
// (/sys/devices/system/edac/mc) from any root: controllers with their
// error totals, and the DIMMs (or csrow channels, on drivers that only
// have the legacy layout) with their corrected and uncorrected counts.
// procfs has no EDAC reader, so the files are read directly.
package edac

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Controller is one memory controller, mcN.
type Controller struct {
	ID       int
	Name     string // mc_name, the driver's name for it (e.g. "Skylake Socket#0 IMC#0")
	SizeMB   *uint64
	CE, UE   *uint64 // totals
	CENoInfo *uint64 // errors the driver could not attribute to a DIMM
	UENoInfo *uint64
	DIMMs    []DIMM
	Problems []error
}

// DIMM is one memory module as EDAC sees it.
type DIMM struct {
	// Name is the sysfs place: "dimm3", "rank3" or "csrow0/ch1".
	Name     string
	Label    string // dimm_label / chN_dimm_label: the slot silk-screen name when the BIOS or a label file set it
	Location string // dimm_location, e.g. "channel 1 slot 0"
	SizeMB   *uint64
	MemType  string
	CE, UE   *uint64
}

// ReadControllers reads every mcN under <sysfs>/devices/system/edac/mc,
// sorted by number. It returns an fs.ErrNotExist-wrapped error when no
// EDAC driver is loaded.
func ReadControllers(sysfs string) ([]Controller, error) {
	mcs, err := sysfsattr.Numbered(filepath.Join(sysfs, "devices", "system", "edac", "mc"), "mc")
	if err != nil {
		return nil, fmt.Errorf("read edac: %w", err)
	}
	var out []Controller
	for _, e := range mcs {
		out = append(out, readController(e.Path, e.N))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read edac: no controllers: %w", fs.ErrNotExist)
	}
	return out, nil
}

func readController(dir string, id int) Controller {
	c := Controller{ID: id}
	r := sysfsattr.NewDir(dir)
	c.Name = r.Str("mc_name")
	c.SizeMB = r.Uint("size_mb")
	c.CE, c.UE = r.Uint("ce_count"), r.Uint("ue_count")
	c.CENoInfo, c.UENoInfo = r.Uint("ce_noinfo_count"), r.Uint("ue_noinfo_count")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		r.Problems = append(r.Problems, err)
	}
	for _, e := range ents {
		name := e.Name
		if _, ok := sysfsattr.Index(name, "dimm"); ok {
			c.DIMMs = append(c.DIMMs, readDIMM(filepath.Join(dir, name), name, r))
		} else if _, ok := sysfsattr.Index(name, "rank"); ok {
			c.DIMMs = append(c.DIMMs, readDIMM(filepath.Join(dir, name), name, r))
		}
	}
	// Drivers with the per-DIMM layout also keep csrow directories for
	// compatibility; read csrows only when there is nothing better.
	if len(c.DIMMs) == 0 {
		for _, e := range ents {
			if _, ok := sysfsattr.Index(e.Name, "csrow"); ok {
				c.DIMMs = append(c.DIMMs, readCSRow(filepath.Join(dir, e.Name), e.Name, r)...)
			}
		}
	}
	sort.Slice(c.DIMMs, func(i, j int) bool { return naturalLess(c.DIMMs[i].Name, c.DIMMs[j].Name) })
	c.Problems = r.Problems
	return c
}

func readDIMM(dir, name string, parent *sysfsattr.Dir) DIMM {
	r := sysfsattr.NewDir(dir)
	d := DIMM{
		Name:     name,
		Label:    r.Str("dimm_label"),
		Location: r.Str("dimm_location"),
		SizeMB:   r.Uint("size"),
		MemType:  r.Str("dimm_mem_type"),
		CE:       r.Uint("dimm_ce_count"),
		UE:       r.Uint("dimm_ue_count"),
	}
	parent.Problems = append(parent.Problems, r.Problems...)
	return d
}

// readCSRow reads the legacy layout: one csrow holds a module per channel,
// chN_ce_count / chN_ue_count / chN_dimm_label.
func readCSRow(dir, name string, parent *sysfsattr.Dir) []DIMM {
	r := sysfsattr.NewDir(dir)
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		parent.Problems = append(parent.Problems, err)
		return nil
	}
	var out []DIMM
	for _, e := range ents {
		ch, ok := strings.CutSuffix(e.Name, "_ce_count")
		if !ok || !strings.HasPrefix(ch, "ch") {
			continue
		}
		if _, ok := sysfsattr.Index(ch, "ch"); !ok {
			continue
		}
		out = append(out, DIMM{
			Name:  name + "/" + ch,
			Label: r.Str(ch + "_dimm_label"),
			CE:    r.Uint(ch + "_ce_count"),
			UE:    r.Uint(ch + "_ue_count"),
		})
	}
	parent.Problems = append(parent.Problems, r.Problems...)
	return out
}

// naturalLess orders "dimm2" before "dimm10" and "csrow0/ch1" before
// "csrow1/ch0".
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
