// Package i2c reads I²C and SMBus adapters and their clients from a sysfs
// tree, names well-known client addresses, and (opt-in, allow-listed,
// read-only) probes clients through periph.io to catch a bus that has
// locked up. It knows nothing of the graph.
package i2c

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Adapter is one I²C bus master: i2c-N.
type Adapter struct {
	Bus  int
	Name string // "SMBus I801 adapter at efa0", "igb BB", "NVIDIA i2c adapter 1 at 3b:00"
	// Parent is the sysfs name of the device the adapter belongs to: a
	// PCI function ("0000:45:00.0"), an I²C mux client ("2-0070"), a
	// platform device ("i2c_designware.0").
	Parent   string
	Clients  []Client
	Problems []error
}

// Client is one device on a bus: N-00aa.
type Client struct {
	Bus      int
	Addr     uint16
	Name     string // the driver's device name ("jc42", "ee1004", "i350bb")
	Driver   string // the bound driver, "" when none
	Hwmon    string // "hwmon3" when the driver exposes sensors
	EEPROM   bool   // an eeprom file (SPD, FRU) is exposed
	Modalias string
}

// ID is the sysfs name of the client, "3-007c".
func (c Client) ID() string { return fmt.Sprintf("%d-%04x", c.Bus, c.Addr) }

var (
	adapterName = regexp.MustCompile(`^i2c-(\d+)$`)
	clientName  = regexp.MustCompile(`^(\d+)-([0-9a-f]{4})$`)
)

// ReadAdapters lists the adapters of <sysfs>/bus/i2c/devices; captures
// that lack that folder are searched under <sysfs>/devices instead. The
// error wraps fs.ErrNotExist when the machine has no I²C at all.
func ReadAdapters(sysfs string) ([]Adapter, error) {
	dirs, err := adapterDirs(sysfs)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("read i2c: no adapters: %w", fs.ErrNotExist)
	}
	out := make([]Adapter, 0, len(dirs))
	for bus, dir := range dirs {
		out = append(out, readAdapter(bus, dir))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bus < out[j].Bus })
	return out, nil
}

// adapterDirs maps bus numbers to the adapters' real folders.
func adapterDirs(sysfs string) (map[int]string, error) {
	out := map[int]string{}
	bus := filepath.Join(sysfs, "bus", "i2c", "devices")
	ents, err := os.ReadDir(bus)
	if err == nil {
		for _, e := range ents {
			m := adapterName.FindStringSubmatch(e.Name())
			if m == nil {
				continue
			}
			real, err := filepath.EvalSymlinks(filepath.Join(bus, e.Name()))
			if err != nil {
				real = filepath.Join(bus, e.Name())
			}
			n, _ := strconv.Atoi(m[1])
			out[n] = real
		}
		return out, nil
	}
	if !os.IsNotExist(err) {
		return nil, fmt.Errorf("read i2c: %w", err)
	}
	// A capture without the bus folder: walk the device tree, which holds
	// the adapters under their parents. The i2c-dev class device
	// (i2c-3/i2c-dev/i2c-3) shares the name and is skipped.
	root := filepath.Join(sysfs, "devices")
	werr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p == root {
			return nil
		}
		if m := adapterName.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[n] = p
			return nil // its clients and mux channels are inside
		}
		if !mayHoldAdapter(name) || strings.Count(p[len(root):], "/") > 10 {
			return filepath.SkipDir
		}
		return nil
	})
	if werr != nil {
		return nil, fmt.Errorf("read i2c: %w", werr)
	}
	if len(out) == 0 {
		if _, err := os.Stat(root); err != nil {
			return nil, fmt.Errorf("read i2c: %w", err)
		}
	}
	return out, nil
}

// mayHoldAdapter reports whether a device folder can have an adapter
// below it: PCI functions and buses, platform and ACPI devices (their
// names hold ':' or '.'), DRM connectors (DP AUX), I²C clients (muxes).
// Skipping the rest (net/, block/, power/, system/ with its thousands of
// memory blocks…) keeps the walk of a capture short.
func mayHoldAdapter(name string) bool {
	switch {
	case strings.HasPrefix(name, "pci"), name == "platform", name == "drm", strings.HasPrefix(name, "card"),
		strings.ContainsAny(name, ":."), clientName.MatchString(name):
		return name != "i2c-dev"
	}
	return false
}

func readAdapter(bus int, dir string) Adapter {
	d := sysfsattr.Dir{Path: dir}
	a := Adapter{Bus: bus, Name: d.Str("name"), Parent: filepath.Base(filepath.Dir(dir))}
	ents, err := os.ReadDir(dir)
	if err != nil {
		d.Problems = append(d.Problems, err)
	}
	for _, e := range ents {
		m := clientName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		addr, _ := strconv.ParseUint(m[2], 16, 16)
		a.Clients = append(a.Clients, readClient(bus, uint16(addr), filepath.Join(dir, e.Name()), &d))
	}
	sort.Slice(a.Clients, func(i, j int) bool { return a.Clients[i].Addr < a.Clients[j].Addr })
	a.Problems = d.Problems
	return a
}

func readClient(bus int, addr uint16, dir string, parent *sysfsattr.Dir) Client {
	d := sysfsattr.Dir{Path: dir}
	c := Client{Bus: bus, Addr: addr, Name: d.Str("name"), Modalias: d.Str("modalias")}
	if drv, err := os.Readlink(filepath.Join(dir, "driver")); err == nil {
		c.Driver = filepath.Base(drv)
	}
	if hw, _ := filepath.Glob(filepath.Join(dir, "hwmon", "hwmon*")); len(hw) > 0 {
		c.Hwmon = filepath.Base(hw[0])
	}
	if _, err := os.Stat(filepath.Join(dir, "eeprom")); err == nil {
		c.EEPROM = true
	}
	parent.Problems = append(parent.Problems, d.Problems...)
	return c
}

// IsClientName reports whether a sysfs name is an I²C client ("2-0070"):
// an adapter under one is a mux channel.
func IsClientName(name string) bool { return clientName.MatchString(name) }
