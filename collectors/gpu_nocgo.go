//go:build !cgo

package collectors

import (
	"context"

	"github.com/hwgraph/hwgraph/topology"
)

func init() { Default.Register(&GPU{}) }

// GPU is the NVML collector; NVML is a C library and this build has no
// cgo, so it always reports absent. The PCI collector still finds the
// GPUs by class code.
type GPU struct{}

// Name implements Collector.
func (*GPU) Name() string { return "gpu" }

// Collect implements Collector.
func (*GPU) Collect(context.Context, Env) (*topology.Fragment, error) { return nil, ErrAbsent }
