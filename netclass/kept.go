package netclass

import (
	"time"

	"github.com/hwgraph/hwgraph/internal/memo"
)

// Kept holds what does not change while a device stays between reads:
// the PCI function an interface or RDMA device is on, which attributes
// an interface's folder holds, and an RDMA device's firmware, board, type
// and GUID. A reader that hears the
// kernel's device events keeps them until one comes (Forget) or MaxAge
// passes; a nil Kept keeps nothing and every read reads them.
type Kept struct {
	ifaces memo.Map[string, layout]     // by interface name
	rdma   memo.Map[string, RDMADevice] // identities, without ports
}

// layout is what stays of an interface while it does: the PCI function
// it is on ("" for none), and which of its attributes its folder holds
// (sysfsattr.Dir.Present).
type layout struct {
	pci     string
	present uint64
}

// NewKept keeps each reading for at most maxAge (the full-rescan
// interval); 0 keeps it until Forget.
func NewKept(maxAge time.Duration) *Kept {
	k := &Kept{}
	k.ifaces.MaxAge, k.rdma.MaxAge = maxAge, maxAge
	return k
}

// Forget drops what k holds: a device came, went or changed.
func (k *Kept) Forget() {
	if k != nil {
		k.ifaces.Forget()
		k.rdma.Forget()
	}
}

// interfaces are the interfaces' kept layouts; nil for a nil Kept.
func (k *Kept) interfaces() *memo.Map[string, layout] {
	if k == nil {
		return nil
	}
	return &k.ifaces
}

// devices are the RDMA devices' kept identities; nil for a nil Kept.
func (k *Kept) devices() *memo.Map[string, RDMADevice] {
	if k == nil {
		return nil
	}
	return &k.rdma
}
