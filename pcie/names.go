package pcie

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Names are the human names of a function from the pci.ids database.
type Names struct {
	Vendor string
	Device string
	Class  string // subclass name when known ("Non-Volatile memory controller"), else class
}

// NameDB looks up vendor, device and class names in the system's pci.ids.
// The database is loaded once, on first use, from the machine hwgraph runs
// on (not from --root: captured trees rarely carry /usr/share), and never
// fetched from the network.
//
// The file is indexed, not parsed whole: github.com/jaypipes/pcidb builds
// maps of all ~40,000 entries, which cost a one-shot run more time than
// the whole PCI walk; an index of the ~2,500 vendor lines finds the few
// names a machine needs in microseconds.
type NameDB struct {
	// Path is the pci.ids to read; "" searches where distributions put it.
	Path string

	once    sync.Once
	data    []byte
	vendors map[uint16]int // offset of each vendor's line
	classes map[uint8]int  // offset of each "C xx" class line
	err     error

	// devices holds the device names of the vendors looked up so far:
	// Intel alone has thousands of lines, scanned once, not per device.
	mu      sync.Mutex
	devices map[uint16]map[string]string
}

// DefaultNames is the process-wide database, loaded lazily.
var DefaultNames = &NameDB{}

// pciIDsPaths are where Debian, Fedora and others install pci.ids.
var pciIDsPaths = []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids", "/usr/local/share/pci.ids"}

func (n *NameDB) load() {
	paths := pciIDsPaths
	if n.Path != "" {
		paths = []string{n.Path}
	}
	for _, p := range paths {
		if n.data, n.err = os.ReadFile(p); n.err == nil {
			break
		}
	}
	if n.err != nil {
		n.err = fmt.Errorf("load pci.ids (install the pci.ids package): %w", n.err)
		return
	}
	n.vendors, n.classes = map[uint16]int{}, map[uint8]int{}
	for off := 0; off < len(n.data); {
		end := bytes.IndexByte(n.data[off:], '\n')
		if end < 0 {
			end = len(n.data) - off
		}
		line := n.data[off : off+end]
		switch {
		case len(line) > 6 && line[0] == 'C' && line[1] == ' ':
			if v, err := strconv.ParseUint(string(line[2:4]), 16, 8); err == nil {
				n.classes[uint8(v)] = off
			}
		case len(line) > 6 && line[0] != '\t' && line[0] != '#':
			if v, err := strconv.ParseUint(string(line[:4]), 16, 16); err == nil {
				n.vendors[uint16(v)] = off
			}
		}
		off += end + 1
	}
}

// Preload starts loading the database in the background, so the file is
// read while a scan reads sysfs. Lookup and Err wait for it.
func (n *NameDB) Preload() {
	go n.once.Do(n.load)
}

// Err reports why names are unavailable, nil when they are.
func (n *NameDB) Err() error {
	n.once.Do(n.load)
	return n.err
}

// Lookup returns the names of d; fields stay empty where pci.ids has none.
func (n *NameDB) Lookup(d *Device) Names {
	n.once.Do(n.load)
	if n.err != nil {
		return Names{}
	}
	var out Names
	if off, ok := n.vendors[d.Vendor]; ok {
		out.Vendor = n.name(off, 4)
		out.Device = n.vendorDevices(d.Vendor, off)[fmt.Sprintf("%04x", d.DeviceID)]
	}
	if off, ok := n.classes[uint8(d.Class>>16)]; ok {
		out.Class = n.name(off, 4)
		if sub := n.child(off, fmt.Sprintf("%02x", (d.Class>>8)&0xff)); sub != "" {
			out.Class = sub
		}
	}
	return out
}

// name is the text after the ID on the line at off ("10de  NVIDIA…").
func (n *NameDB) name(off, idLen int) string {
	line := n.line(off)
	if len(line) <= idLen {
		return ""
	}
	return strings.TrimSpace(string(line[idLen:]))
}

// vendorDevices maps a vendor's device IDs to names, reading its section
// of the file on first use.
func (n *NameDB) vendorDevices(vendor uint16, off int) map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if m, ok := n.devices[vendor]; ok {
		return m
	}
	m := map[string]string{}
	off += len(n.line(off)) + 1
	for off < len(n.data) {
		line := n.line(off)
		if len(line) > 0 && line[0] != '\t' && line[0] != '#' {
			break
		}
		if len(line) > 6 && line[0] == '\t' && line[1] != '\t' && line[5] == ' ' {
			m[string(line[1:5])] = strings.TrimSpace(string(line[5:]))
		}
		off += len(line) + 1
	}
	if n.devices == nil {
		n.devices = map[uint16]map[string]string{}
	}
	n.devices[vendor] = m
	return m
}

// child finds the one-tab line with the given ID under the entry at off:
// a vendor's device or a class's subclass.
func (n *NameDB) child(off int, id string) string {
	off += len(n.line(off)) + 1
	for off < len(n.data) {
		line := n.line(off)
		if len(line) > 0 && line[0] != '\t' && line[0] != '#' {
			return "" // the next vendor or class
		}
		if len(line) > len(id)+1 && line[0] == '\t' && line[1] != '\t' && string(line[1:1+len(id)]) == id && line[1+len(id)] == ' ' {
			return strings.TrimSpace(string(line[1+len(id):]))
		}
		off += len(line) + 1
	}
	return ""
}

func (n *NameDB) line(off int) []byte {
	end := bytes.IndexByte(n.data[off:], '\n')
	if end < 0 {
		return n.data[off:]
	}
	return n.data[off : off+end]
}
