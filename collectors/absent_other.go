//go:build !linux

package collectors

import (
	"context"

	"github.com/hwgraph/hwgraph/topology"
)

// The memory, smbios and net collectors read Linux's sysfs through
// libraries that build on Linux only (u-root's smbios, procfs's sysfs):
// elsewhere they report absent, and a captured tree still shows its PCI,
// NUMA, NVMe, I²C and GPU parts.

// Memory reports absent off Linux.
type Memory struct{}

// Name implements Collector.
func (Memory) Name() string { return "memory" }

// Collect implements Collector.
func (Memory) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }

// SMBIOS reports absent off Linux.
type SMBIOS struct{}

// Name implements Collector.
func (SMBIOS) Name() string { return "smbios" }

// Collect implements Collector.
func (SMBIOS) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }

// Net reports absent off Linux.
type Net struct{}

// Name implements Collector.
func (Net) Name() string { return "net" }

// Collect implements Collector.
func (Net) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }

// scanMemo holds nothing off Linux: the SMBIOS tables are read on Linux
// only.
type scanMemo struct{}
