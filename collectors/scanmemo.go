//go:build linux

package collectors

import (
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/internal/memo"
)

// smbiosMemo holds the SMBIOS tables for one scan: the memory collector
// (slots) and the smbios collector (identity, sockets, the BMC) both
// decode them — on a real machine, tens of KiB of firmware table or a
// file per record.
type smbiosMemo struct {
	smbiosOnce sync.Once
	smbios     *dmi.Tables
	smbiosErr  error
	kept       *keptTables // the registry's, across scans
}

// keptTables keeps the SMBIOS tables across scans: the firmware writes
// them at boot, so they change only with a reboot (a new process) or a
// firmware update, which a device event or the full-scan interval
// catches.
type keptTables = memo.Memo[*dmi.Tables]

func newKeptTables(maxAge time.Duration) *keptTables { return &keptTables{MaxAge: maxAge} }

func newScanMemo(kept *keptTables) *scanMemo { return &scanMemo{smbiosMemo: smbiosMemo{kept: kept}} }

// smbiosTables reads the SMBIOS tables, once per scan when the registry
// runs the collectors. The tables are shared: collectors only read them.
func (e Env) smbiosTables() (*dmi.Tables, error) {
	if e.memo == nil {
		return dmi.Read(e.Path("sys"))
	}
	e.memo.smbiosOnce.Do(func() {
		e.memo.smbios, e.memo.smbiosErr = e.memo.kept.Get(func() (*dmi.Tables, error) { return dmi.Read(e.Path("sys")) })
	})
	return e.memo.smbios, e.memo.smbiosErr
}
