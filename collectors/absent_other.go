//go:build !linux

package collectors

import (
	"context"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/topology"
)

// The memory and smbios collectors read the SMBIOS tables through
// u-root's smbios, which builds on Linux only: elsewhere they report
// absent, and a captured tree still shows its other parts.

// Memory reports absent off Linux.
type Memory struct{}

func init() {
	register("memory", func(Options) Collector { return Memory{} })
	register("smbios", func(Options) Collector { return SMBIOS{} })
}

// Name implements Collector.
func (Memory) Name() string { return "memory" }

// Collect implements Collector.
func (Memory) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }

// Reads implements Collector.
func (Memory) Reads() []capture.Read { return nil }

// SMBIOS reports absent off Linux.
type SMBIOS struct{}

// Name implements Collector.
func (SMBIOS) Name() string { return "smbios" }

// Collect implements Collector.
func (SMBIOS) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }

// Reads implements Collector.
func (SMBIOS) Reads() []capture.Read { return nil }

// smbiosMemo holds nothing off Linux: the SMBIOS tables are read on
// Linux only.
type smbiosMemo struct{}

// keptTables keeps nothing off Linux.
type keptTables struct{}

func newKeptTables(time.Duration) *keptTables { return nil }
func (*keptTables) Forget()                   {}
func newScanMemo(*keptTables) *scanMemo       { return &scanMemo{} }
