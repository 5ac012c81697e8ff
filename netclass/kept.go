package netclass

import (
	"sync"
	"time"
)

// Kept holds what does not change while a device stays between reads:
// the PCI function an interface or RDMA device is on, and an RDMA
// device's firmware, board, type and GUID. A reader that hears the
// kernel's device events keeps them until one comes (Forget); a nil Kept
// keeps nothing and every read reads them.
type Kept struct {
	// MaxAge bounds how long what is kept is trusted without an event (the
	// full-rescan interval); 0 trusts it until Forget.
	MaxAge time.Duration

	mu     sync.Mutex
	since  time.Time         // when the first of what is kept was read
	ifaces map[string]string // interface → PCI function ("" for none)
	rdma   map[string]RDMADevice
}

// fresh drops what k holds once it is older than MaxAge; k.mu is held.
func (k *Kept) fresh() {
	if k.MaxAge > 0 && (k.ifaces != nil || k.rdma != nil) && time.Since(k.since) > k.MaxAge {
		k.ifaces, k.rdma = nil, nil
	}
	if k.ifaces == nil && k.rdma == nil {
		k.since = time.Now()
	}
}

// Forget drops what k holds: a device came, went or changed.
func (k *Kept) Forget() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ifaces, k.rdma = nil, nil
}

// pci is an interface's kept PCI function.
func (k *Kept) pci(name string) (string, bool) {
	if k == nil {
		return "", false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fresh()
	p, ok := k.ifaces[name]
	return p, ok
}

func (k *Kept) keepPCI(name, pci string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ifaces == nil {
		k.ifaces = map[string]string{}
	}
	k.ifaces[name] = pci
}

// device is an RDMA device's kept identity (no ports).
func (k *Kept) device(name string) (RDMADevice, bool) {
	if k == nil {
		return RDMADevice{}, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fresh()
	d, ok := k.rdma[name]
	return d, ok
}

func (k *Kept) keepDevice(d RDMADevice) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.rdma == nil {
		k.rdma = map[string]RDMADevice{}
	}
	k.rdma[d.Name] = RDMADevice{Name: d.Name, PCI: d.PCI, Firmware: d.Firmware, BoardID: d.BoardID, HCAType: d.HCAType, NodeGUID: d.NodeGUID}
}
