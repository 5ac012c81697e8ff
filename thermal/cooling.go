// Package thermal reads the kernel's thermal cooling devices
// (/sys/class/thermal/cooling_deviceN): fans, processor throttling and
// idle injection, each with its current and highest cooling state.
// procfs reads them too (sysfs.ClassCoolingDeviceStats), but leaves out
// a device whose state file is missing and fails the whole list on one
// that does not parse, where each must cost only that device and say
// why; so the files are read here, confined to the root.
package thermal

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/pcie"
)

// CoolingDevice is one cooling device.
type CoolingDevice struct {
	N    int    // cooling_deviceN
	Type string // the type file: "Processor", "Fan", "intel_powerclamp"
	// CurState is the current cooling state, from 0 (not cooling) to
	// MaxState; nil when unreadable, or when Off.
	CurState, MaxState *int64
	// Off is an idle-injection device (intel_powerclamp) not injecting:
	// its cur_state reads -1.
	Off bool
	// PCI is the PCI function the device cools ("0000:3b:00.0"), when
	// its device link names one.
	PCI string
	// Problems are attributes that exist but could not be read.
	Problems []error
}

// ReadCoolingDevices reads every cooling device below <sysfs>, in number
// order. A missing class is an fs.ErrNotExist-wrapped error; a device
// that cannot be read is listed with its problems.
func ReadCoolingDevices(sysfs string) ([]CoolingDevice, error) {
	ents, err := sysfsattr.Numbered(filepath.Join(sysfs, "class", "thermal"), "cooling_device")
	if err != nil {
		return nil, fmt.Errorf("read cooling devices: %w", err)
	}
	out := make([]CoolingDevice, 0, len(ents))
	for _, e := range ents {
		out = append(out, readCoolingDevice(e))
	}
	return out, nil
}

// attrs are what a cooling device's folder is asked for: listed once, a
// missing state is known without a failed open.
var attrs = sysfsattr.NewNames("type", "cur_state", "max_state", "device")

func readCoolingDevice(e sysfsattr.Entry) CoolingDevice {
	c := CoolingDevice{N: e.N}
	d, err := sysfsattr.OpenDir(e.Path)
	if err != nil {
		c.Problems = append(c.Problems, fmt.Errorf("cooling device %d: %w", e.N, err))
		return c
	}
	defer d.Close()
	if err := d.Expect(attrs); err != nil {
		c.Problems = append(c.Problems, err)
		return c
	}
	c.Type = d.Str("type")
	c.MaxState, _ = state(d, "max_state")
	c.CurState, c.Off = state(d, "cur_state")
	if target, err := d.Readlink("device"); err == nil {
		if name := filepath.Base(target); isPCI(name) {
			c.PCI = name
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		d.Problem(err)
	}
	c.Problems = d.Problems
	return c
}

// state reads a cooling state; off is cur_state's -1 (idle injection
// not injecting). The kernel writes both states of every device, so a
// missing one is a problem.
func state(d *sysfsattr.Dir, name string) (v *int64, off bool) {
	if !d.Has(name) {
		d.Problem(fmt.Errorf("%s/%s: %w", d.Path, name, fs.ErrNotExist))
		return nil, false
	}
	n, ok := d.Int(name)
	switch {
	case !ok:
		return nil, false
	case n == -1 && name == "cur_state":
		return nil, true
	}
	s := int64(n)
	return &s, false
}

func isPCI(name string) bool {
	_, err := pcie.ParseAddress(name)
	return err == nil
}
