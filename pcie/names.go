package pcie

import (
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
// The file is mapped and indexed, not parsed whole: github.com/jaypipes/pcidb
// builds maps of all its entries, which cost a one-shot run more than the
// whole PCI walk; an index of the vendor sections and a binary search
// within one finds the few names a machine needs.
//
// Names found are kept and the file is let go after each scan (Release):
// a long-running exporter looks up the same few dozen devices every scan
// and need not keep the whole file mapped for them; a new device maps it
// again.
type NameDB struct {
	// Path is the pci.ids to read; "" searches where distributions put it.
	Path string

	mu      sync.Mutex
	loaded  bool
	data    []byte
	vendors map[uint16]span // each vendor's line and the lines under it
	classes map[uint8]int   // offset of each "C xx" class line
	err     error
	found   map[nameKey]Names
}

// nameKey is what a lookup depends on; class is base and subclass.
type nameKey struct{ vendor, device, class uint16 }

// DefaultNames is the process-wide database, loaded lazily.
var DefaultNames = &NameDB{}

// pciIDsPaths are where Debian, Fedora and others install pci.ids.
var pciIDsPaths = []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids", "/usr/local/share/pci.ids"}

// ensure loads the file unless it is; n.mu is held.
func (n *NameDB) ensure() {
	if !n.loaded {
		n.guard(n.load)
		n.loaded = true
	}
}

// guard runs fn, which reads the mapping, so that a fault on it is an
// error and not the end of the process: a pci.ids truncated in place
// while mapped (dpkg renames, but a hand edit or a full disk need not)
// makes its pages beyond the new end raise SIGBUS.
func (n *NameDB) guard(fn func()) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			n.err = fmt.Errorf("read pci.ids: %v (was it truncated while in use?)", r)
		}
	}()
	fn()
}

func (n *NameDB) load() {
	paths := pciIDsPaths
	if n.Path != "" {
		paths = []string{n.Path}
	}
	for _, p := range paths {
		if n.data, n.err = mapFile(p); n.err == nil {
			break
		}
	}
	if n.err != nil {
		n.err = fmt.Errorf("load pci.ids (install the pci.ids package): %w", n.err)
		return
	}
	n.vendors, n.classes = make(map[uint16]span, 2600), make(map[uint8]int, 32)
	var open *span // the vendor section being read
	var openID uint16
	for off := 0; off < len(n.data); {
		end := bytes.IndexByte(n.data[off:], '\n')
		if end < 0 {
			end = len(n.data) - off
		}
		line := n.data[off : off+end]
		if open != nil && len(line) > 0 && line[0] != '\t' && line[0] != '#' {
			open.end = off
			n.vendors[openID] = *open
			open = nil
		}
		switch {
		case len(line) > 6 && line[0] == 'C' && line[1] == ' ':
			if v, err := strconv.ParseUint(string(line[2:4]), 16, 8); err == nil {
				n.classes[uint8(v)] = off
			}
		case len(line) > 6 && line[0] != '\t' && line[0] != '#':
			if v, err := strconv.ParseUint(string(line[:4]), 16, 16); err == nil {
				open, openID = &span{start: off}, uint16(v)
			}
		}
		off += end + 1
	}
	if open != nil {
		open.end = len(n.data)
		n.vendors[openID] = *open
	}
}

// span is an entry's line and the indented lines under it.
type span struct{ start, end int }

// Preload starts loading the database in the background, so the file is
// read while a scan reads sysfs, unless earlier scans found names already.
func (n *NameDB) Preload() {
	go func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.found) == 0 {
			n.ensure()
		}
	}()
}

// Err reports why names are unavailable, nil when they are.
func (n *NameDB) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.loaded && len(n.found) > 0 {
		return nil
	}
	n.ensure()
	return n.err
}

// Release unmaps the file; the names found so far are kept. The next
// lookup of a device not seen before maps it again.
func (n *NameDB) Release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.data != nil {
		syscall.Munmap(n.data)
	}
	n.data, n.vendors, n.classes, n.err, n.loaded = nil, nil, nil, nil, false
}

// Lookup returns the names of d; fields stay empty where pci.ids has none.
func (n *NameDB) Lookup(d *Device) Names {
	key := nameKey{d.Vendor, d.DeviceID, uint16(d.Class >> 8)}
	n.mu.Lock()
	defer n.mu.Unlock()
	if out, ok := n.found[key]; ok {
		return out
	}
	n.ensure()
	if n.err != nil {
		return Names{}
	}
	var out Names
	n.guard(func() {
		if v, ok := n.vendors[d.Vendor]; ok {
			out.Vendor = n.name(v.start, 4)
			out.Device = n.device(v, fmt.Sprintf("%04x", d.DeviceID))
		}
		if off, ok := n.classes[uint8(d.Class>>16)]; ok {
			out.Class = n.name(off, 4)
			if sub := n.child(off, fmt.Sprintf("%02x", (d.Class>>8)&0xff)); sub != "" {
				out.Class = sub
			}
		}
	})
	if n.err != nil {
		return Names{}
	}
	if n.found == nil {
		n.found = map[nameKey]Names{}
	}
	n.found[key] = out
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

// device finds a device line in a vendor's section. pci.ids keeps each
// vendor's devices in ID order, so a binary search over the section's
// bytes finds one in a dozen probes instead of a scan of thousands of
// lines; a miss (a file out of order, an unknown device) falls back to
// the scan.
func (n *NameDB) device(s span, id string) string {
	lo, hi := s.start+len(n.line(s.start))+1, s.end
	for lo < hi {
		mid := lo + (hi-lo)/2
		p := n.deviceLine(mid, hi)
		if p < 0 {
			hi = mid
			continue
		}
		switch got := string(n.data[p+1 : p+1+len(id)]); {
		case got == id && n.data[p+1+len(id)] == ' ':
			return strings.TrimSpace(string(n.line(p + 1 + len(id))))
		case id < got:
			hi = mid
		default:
			lo = p + 1
		}
	}
	return n.child(s.start, id)
}

// deviceLine returns the start of the first one-tab line ("\tdddd  Name")
// beginning at or after from and before to, or -1.
func (n *NameDB) deviceLine(from, to int) int {
	for p := from; p < to; {
		if p > 0 && n.data[p-1] != '\n' {
			i := bytes.IndexByte(n.data[p:to], '\n')
			if i < 0 {
				return -1
			}
			p += i + 1
			continue
		}
		if p+6 < len(n.data) && n.data[p] == '\t' && n.data[p+1] != '\t' {
			return p
		}
		p++
	}
	return -1
}

func (n *NameDB) line(off int) []byte {
	end := bytes.IndexByte(n.data[off:], '\n')
	if end < 0 {
		return n.data[off:]
	}
	return n.data[off : off+end]
}

// mapFile maps a file read-only. The database is read once per process
// and never written: mapping it spares the copy and lets the kernel share
// and reclaim the pages.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 || fi.Size() > 64<<20 {
		return nil, fmt.Errorf("%s: size %d is not that of pci.ids", path, fi.Size())
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", path, err)
	}
	return data, nil
}
