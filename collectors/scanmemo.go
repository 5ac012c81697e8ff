//go:build linux

package collectors

import (
	"sync"

	"github.com/hwgraph/hwgraph/dmi"
)

// scanMemo holds what more than one collector of a scan reads, so that it
// is read once per scan: the SMBIOS tables, which the memory collector
// (slots) and the smbios collector (identity, sockets, the BMC) both
// decode — on a real machine, tens of KiB of firmware table or a file per
// record.
type scanMemo struct {
	smbiosOnce sync.Once
	smbios     *dmi.Tables
	smbiosErr  error
}

// smbiosTables reads the SMBIOS tables, once per scan when the registry
// runs the collectors. The tables are shared: collectors only read them.
func (e Env) smbiosTables() (*dmi.Tables, error) {
	if e.memo == nil {
		return dmi.Read(e.Path("sys"))
	}
	e.memo.smbiosOnce.Do(func() { e.memo.smbios, e.memo.smbiosErr = dmi.Read(e.Path("sys")) })
	return e.memo.smbios, e.memo.smbiosErr
}
