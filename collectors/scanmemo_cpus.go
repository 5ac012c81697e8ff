package collectors

import (
	"path/filepath"
	"sync"

	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/numa"
)

// scanMemo holds what more than one collector of a scan reads, so that it
// is read once per scan: the SMBIOS tables (on Linux), and the CPUs'
// topology, which the numa, smbios (sockets) and memory (controllers'
// sockets) collectors all place things by — four files a CPU.
type scanMemo struct {
	smbiosMemo

	cpusOnce sync.Once
	cpus     numa.CPUs
	cpusErr  error
	keptCPUs *keptCPUs // the registry's, on a heard scan

	prefixesOnce sync.Once
	prefixes     []string
}

// rootPrefixes are the captured tree's root as given and with its links
// resolved, each with a slash: what relativeTo cuts from messages.
func (e Env) rootPrefixes() []string {
	find := func() []string {
		root := filepath.Clean(e.root())
		prefixes := []string{root + "/"}
		if real, err := filepath.EvalSymlinks(root); err == nil && real != root {
			prefixes = append(prefixes, real+"/")
		}
		return prefixes
	}
	if e.memo == nil {
		return find()
	}
	e.memo.prefixesOnce.Do(func() { e.memo.prefixes = find() })
	return e.memo.prefixes
}

// cpus reads the CPUs' topology, once per scan when the registry runs the
// collectors. Collectors only read what it returns.
func (e Env) cpus() (numa.CPUs, error) {
	if e.memo == nil {
		return numa.ReadCPUs(e.Root)
	}
	e.memo.cpusOnce.Do(func() {
		e.memo.cpus, e.memo.cpusErr = e.memo.keptCPUs.Get(func() (numa.CPUs, error) { return numa.ReadCPUs(e.Root) })
	})
	return e.memo.cpus, e.memo.cpusErr
}

// heardOnly is m on a heard scan, and nil (read every time) elsewhere:
// what a collector keeps until a device event is kept only where the
// events are heard.
func heardOnly[T any](env Env, m *memo.Memo[T]) *memo.Memo[T] {
	if !env.heard {
		return nil
	}
	return m
}

// keptCPUs keeps the CPUs' topology across scans that hear the kernel's
// device events: a CPU brought online or offline is one ("cpu"), and
// its topology does not change otherwise.
type keptCPUs = memo.Memo[numa.CPUs]
