package pcie

import (
	"fmt"
	"sync"

	"github.com/jaypipes/pcidb"
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
type NameDB struct {
	once sync.Once
	db   *pcidb.PCIDB
	err  error
}

// DefaultNames is the process-wide database, loaded lazily.
var DefaultNames = &NameDB{}

func (n *NameDB) load() {
	off := false
	n.db, n.err = pcidb.New(&pcidb.WithOption{EnableNetworkFetch: &off})
	if n.err != nil {
		n.err = fmt.Errorf("load pci.ids (install the pci.ids package): %w", n.err)
	}
}

// Err reports why names are unavailable, nil when they are.
func (n *NameDB) Err() error {
	n.once.Do(n.load)
	return n.err
}

// Lookup returns the names of d; fields stay empty where pci.ids has none.
func (n *NameDB) Lookup(d *Device) Names {
	n.once.Do(n.load)
	if n.db == nil {
		return Names{}
	}
	var out Names
	vid := fmt.Sprintf("%04x", d.Vendor)
	if v, ok := n.db.Vendors[vid]; ok {
		out.Vendor = v.Name
	}
	if p, ok := n.db.Products[vid+fmt.Sprintf("%04x", d.DeviceID)]; ok {
		out.Device = p.Name
	}
	if c, ok := n.db.Classes[fmt.Sprintf("%02x", d.Class>>16)]; ok {
		out.Class = c.Name
		sub := fmt.Sprintf("%02x", (d.Class>>8)&0xff)
		for _, s := range c.Subclasses {
			if s.ID == sub {
				out.Class = s.Name
				break
			}
		}
	}
	return out
}
