package netclass

import (
	"time"

	"github.com/hwgraph/hwgraph/internal/memo"
)

// Kept holds what does not change while a device stays between reads:
// the PCI function an interface or RDMA device is on, and an RDMA
// device's firmware, board, type and GUID. A reader that hears the
// kernel's device events keeps them until one comes (Forget) or MaxAge
// passes; a nil Kept keeps nothing and every read reads them.
type Kept struct {
	ifaces memo.Map[string, string]     // interface → PCI function ("" for none)
	rdma   memo.Map[string, RDMADevice] // identities, without ports
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

// pcis are the interfaces' kept PCI functions; nil for a nil Kept.
func (k *Kept) pcis() *memo.Map[string, string] {
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
