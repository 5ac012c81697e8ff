// Package i2c reads I²C and SMBus adapters and their clients from a sysfs
// tree, names well-known client addresses, and (opt-in, allow-listed,
// read-only) probes clients through periph.io to catch a bus that has
// locked up. It knows nothing of the graph.
package i2c

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/memo"
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

// adapterBus parses an adapter's name, "i2c-3", into its bus number. The
// fallback walk tests every entry of hundreds of device folders, so this
// is a plain scan, not a regular expression.
func adapterBus(name string) (int, bool) { return sysfsattr.Index(name, "i2c-") }

func isClientName(name string) bool { _, _, ok := clientAddr(name); return ok }

// clientAddr parses a client's name, "3-007c", into bus and address.
func clientAddr(name string) (bus int, addr uint16, ok bool) {
	b, a, found := strings.Cut(name, "-")
	if !found || len(a) != 4 {
		return 0, 0, false
	}
	if bus, ok = sysfsattr.Index(b, ""); !ok {
		return 0, 0, false
	}
	for _, c := range []byte(a) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return 0, 0, false
		}
	}
	v, err := strconv.ParseUint(a, 16, 16)
	return bus, uint16(v), err == nil
}

// ReadAdapters lists the adapters of <sysfs>/bus/i2c/devices; captures
// that lack that folder are searched under <sysfs>/devices instead. The
// error wraps fs.ErrNotExist when the machine has no I²C at all.
func ReadAdapters(sysfs string) ([]Adapter, error) { return ReadAdaptersWith(sysfs, nil) }

// ReadAdaptersWith reads as ReadAdapters, keeping the walk of a tree
// without the bus folder in walk between calls.
func ReadAdaptersWith(sysfs string, walk *memo.Memo[map[int]string]) ([]Adapter, error) {
	return readAdapters(sysfs, true, walk)
}

// ReadLiveAdapters reads the adapters of the running kernel's sysfs: its
// bus folder lists them all, and a machine without one has none, so the
// device tree is not walked (a capture may lack the bus folder; a live
// sysfs does not lack it while it has adapters).
func ReadLiveAdapters(sysfs string) ([]Adapter, error) { return readAdapters(sysfs, false, nil) }

func readAdapters(sysfs string, walk bool, kept *memo.Memo[map[int]string]) ([]Adapter, error) {
	dirs, err := adapterDirs(sysfs, walk, kept)
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
func adapterDirs(sysfs string, walk bool, kept *memo.Memo[map[int]string]) (map[int]string, error) {
	out := map[int]string{}
	bus := filepath.Join(sysfs, "bus", "i2c", "devices")
	ents, err := sysfsattr.ReadDir(bus)
	if err == nil {
		for _, e := range ents {
			n, ok := adapterBus(e.Name)
			if !ok {
				continue
			}
			real, err := sysfsattr.RealPath(filepath.Join(bus, e.Name))
			if err != nil {
				real = filepath.Join(bus, e.Name)
			}
			out[n] = real
		}
		return out, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read i2c: %w", err)
	}
	if !walk {
		return out, nil
	}
	// A capture without the bus folder: walk the device tree, which holds
	// the adapters under their parents. The i2c-dev class device
	// (i2c-3/i2c-dev/i2c-3) shares the name and is skipped.
	return kept.Get(func() (map[int]string, error) {
		root := filepath.Join(sysfs, "devices")
		if err := walkAdapters(root, 0, out); err != nil {
			return nil, fmt.Errorf("read i2c: %w", err) // only the root itself fails a walk
		}
		return out, nil
	})
}

// walkAdapters records the adapters below dir. It follows no symbolic
// link, so a link loop in a capture cannot trap it, and stops ten levels
// down. Only an unreadable dir itself is an error; unreadable folders
// below it are skipped.
func walkAdapters(dir string, depth int, out map[int]string) error {
	var subdirs []string
	err := sysfsattr.Each(dir, func(name string, typ fs.FileMode) {
		if typ != fs.ModeDir {
			return
		}
		if n, ok := adapterBus(name); ok {
			out[n] = dir + "/" + name
			subdirs = append(subdirs, name) // its clients and mux channels are inside
			return
		}
		if mayHoldAdapter(name) {
			subdirs = append(subdirs, name)
		}
	})
	if err != nil || depth >= 10 {
		return err
	}
	for _, name := range subdirs {
		_ = walkAdapters(dir+"/"+name, depth+1, out)
	}
	return nil
}

// mayHoldAdapter reports whether a device folder can have an adapter
// below it: PCI functions and buses, platform and ACPI devices (their
// names hold ':' or '.'), DRM connectors (DP AUX), I²C clients (muxes).
// Skipping the rest (net/, block/, power/, system/ with its thousands of
// memory blocks…, and PCIe port services, "0000:00:01.0:pcie002", and
// pci_bus/) keeps the walk of a capture short.
func mayHoldAdapter(name string) bool {
	switch {
	case name == "pci_bus", strings.Contains(name, ":pcie"):
		return false
	case strings.HasPrefix(name, "pci"), name == "platform", name == "drm", strings.HasPrefix(name, "card"),
		strings.ContainsAny(name, ":."), isClientName(name):
		return name != "i2c-dev"
	}
	return false
}

func readAdapter(bus int, dir string) Adapter {
	d := sysfsattr.NewDir(dir)
	a := Adapter{Bus: bus, Name: d.Str("name"), Parent: filepath.Base(filepath.Dir(dir))}
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		d.Problems = append(d.Problems, err)
	}
	for _, e := range ents {
		_, addr, ok := clientAddr(e.Name)
		if !ok {
			continue
		}
		a.Clients = append(a.Clients, readClient(bus, addr, filepath.Join(dir, e.Name), d))
	}
	sort.Slice(a.Clients, func(i, j int) bool { return a.Clients[i].Addr < a.Clients[j].Addr })
	a.Problems = d.Problems
	return a
}

func readClient(bus int, addr uint16, dir string, parent *sysfsattr.Dir) Client {
	d := sysfsattr.NewDir(dir)
	c := Client{Bus: bus, Addr: addr, Name: d.Str("name"), Modalias: d.Str("modalias")}
	c.Driver = d.LinkBase("driver")
	hw, _ := sysfsattr.ReadDir(filepath.Join(dir, "hwmon"))
	for _, h := range hw {
		if strings.HasPrefix(h.Name, "hwmon") {
			c.Hwmon = h.Name
			break
		}
	}
	c.EEPROM = sysfsattr.Exists(filepath.Join(dir, "eeprom"))
	parent.Problems = append(parent.Problems, d.Problems...)
	return c
}

// ParseClientName parses a client's sysfs name, "3-007c", into its bus
// and address; ok is false for any other name. An adapter under a client
// is a mux channel.
func ParseClientName(name string) (bus int, addr uint16, ok bool) { return clientAddr(name) }
