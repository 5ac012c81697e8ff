package numa

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/hwgraph/hwgraph/internal/parallel"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Package is one CPU package (socket) and the online CPUs it holds.
type Package struct {
	ID    int
	CPUs  CPUSet
	Cores int    // distinct core IDs among its online CPUs
	Model string // "model name" of /proc/cpuinfo, when readable
	// PackageThrottles and CoreThrottles count the times the package, and
	// its cores together, went over their thermal limit and were slowed
	// (thermal_throttle/, Intel); nil when the kernel gives no count.
	PackageThrottles, CoreThrottles *uint64
}

// CPUs describes the logical CPUs of the machine.
type CPUs struct {
	Packages []Package
	Online   CPUSet
	Offline  CPUSet
	// Problems are CPUs whose topology could not be read, and a
	// /proc/cpuinfo that could not be (the models are left out).
	Problems []error
}

// ReadCPUs reads CPU packages from <root>/sys/devices/system/cpu and model
// names from <root>/proc/cpuinfo. Offline CPUs have no topology and are
// listed apart.
func ReadCPUs(root string) (CPUs, error) {
	dir := filepath.Join(root, "sys", "devices", "system", "cpu")
	dirs, err := sysfsattr.Numbered(dir, "cpu")
	if err != nil {
		return CPUs{}, fmt.Errorf("read cpus: %w", err)
	}
	// One read of the online list spares a read of cpuN/online per CPU (a
	// quarter of the files on a 256-CPU machine); kernels or captures
	// without it are asked CPU by CPU.
	var online map[int]bool
	if s, err := sysfsattr.Read(filepath.Join(dir, "online")); err == nil {
		if set, err := ParseCPUList(s); err == nil {
			online = make(map[int]bool, len(set))
			for _, c := range set {
				online[c] = true
			}
		}
	}
	// A CPU's topology is two or three files; on a 256-CPU machine they
	// are most of the scan, so they are read in parallel.
	read := make([]cpuTopology, len(dirs))
	parallel.For(len(dirs), func(i int) {
		if online != nil && !online[dirs[i].N] {
			read[i].offline = true
			return
		}
		read[i] = readCPU(dirs[i].Path, online == nil)
	})

	var out CPUs
	type core struct{ pkg, core int }
	pkgs := map[int]*Package{}
	cores := map[core]bool{}
	coreThrottles := map[core]uint64{} // SMT siblings share their core's count
	for i, t := range read {
		cpu := dirs[i].N
		switch {
		case t.offline:
			out.Offline = append(out.Offline, cpu)
			continue
		case t.err != nil:
			out.Problems = append(out.Problems, fmt.Errorf("cpu%d package id: %w", cpu, t.err))
			continue
		}
		out.Online = append(out.Online, cpu)
		p := pkgs[t.pkg]
		if p == nil {
			p = &Package{ID: t.pkg}
			pkgs[t.pkg] = p
		}
		p.CPUs = append(p.CPUs, cpu)
		if t.core >= 0 {
			cores[core{t.pkg, t.core}] = true
			if t.coreThrottles != nil {
				k := core{t.pkg, t.core}
				coreThrottles[k] = max(coreThrottles[k], *t.coreThrottles)
			}
		}
		if t.pkgThrottles != nil {
			p.PackageThrottles = maxPtr(p.PackageThrottles, *t.pkgThrottles)
		}
	}
	for c := range cores {
		pkgs[c.pkg].Cores++
	}
	for c, n := range coreThrottles {
		p := pkgs[c.pkg]
		sum := n
		if p.CoreThrottles != nil {
			sum += *p.CoreThrottles
		}
		p.CoreThrottles = &sum
	}
	models, err := cpuModels(root)
	if err != nil {
		out.Problems = append(out.Problems, err)
	}
	for _, p := range pkgs {
		p.CPUs = p.CPUs.normalize()
		for _, c := range p.CPUs {
			if m := models[c]; m != "" {
				p.Model = m
				break
			}
		}
		out.Packages = append(out.Packages, *p)
	}
	sort.Slice(out.Packages, func(i, j int) bool { return out.Packages[i].ID < out.Packages[j].ID })
	out.Online = out.Online.normalize()
	out.Offline = out.Offline.normalize()
	return out, nil
}

// cpuTopology is what one cpuN folder says.
type cpuTopology struct {
	offline   bool
	pkg, core int // core is -1 when unreadable
	err       error
	// The thermal throttle counts the CPU reports, nil when absent.
	pkgThrottles, coreThrottles *uint64
}

func maxPtr(p *uint64, v uint64) *uint64 {
	if p != nil && *p >= v {
		return p
	}
	return &v
}

// readThrottles reads a CPU's thermal throttle counts: core_throttle_count
// (count before Linux 2.6.36) and package_throttle_count.
func (t *cpuTopology) readThrottles(dir string) {
	d := filepath.Join(dir, "thermal_throttle")
	for _, f := range []struct {
		names []string
		dst   **uint64
	}{{[]string{"core_throttle_count", "count"}, &t.coreThrottles}, {[]string{"package_throttle_count"}, &t.pkgThrottles}} {
		for _, name := range f.names {
			s, err := sysfsattr.Read(filepath.Join(d, name))
			if err != nil {
				continue
			}
			if v, err := strconv.ParseUint(s, 10, 64); err == nil {
				*f.dst = &v
			}
			break
		}
	}
}

// readCPU reads a CPU's package and core; askOnline reads its own online
// file, for kernels without the system-wide list.
func readCPU(dir string, askOnline bool) cpuTopology {
	if askOnline {
		if v, err := sysfsattr.Read(filepath.Join(dir, "online")); err == nil && v == "0" {
			return cpuTopology{offline: true}
		}
	}
	pid, err := readInt(filepath.Join(dir, "topology", "physical_package_id"))
	if err != nil {
		// An offline CPU keeps no topology; one we cannot read is
		// reported, not guessed.
		if !sysfsattr.Exists(filepath.Join(dir, "topology")) {
			return cpuTopology{offline: true}
		}
		return cpuTopology{err: err}
	}
	t := cpuTopology{pkg: pid, core: -1}
	if cid, err := readInt(filepath.Join(dir, "topology", "core_id")); err == nil {
		t.core = cid
	}
	t.readThrottles(dir)
	return t
}

func readInt(path string) (int, error) {
	s, err := sysfsattr.Read(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}

// PackageNode returns the NUMA node holding all of a package's CPUs, or
// -1 when none does (sub-NUMA clustering, multi-die packages), and every
// node its CPUs touch.
func PackageNode(p Package, nodes []Node) (node int, in []int) {
	holder := -1
	for i, n := range nodes {
		if p.CPUs.Overlaps(n.CPUs) {
			in = append(in, n.ID)
			holder = i
		}
	}
	if len(in) == 1 && p.CPUs.SubsetOf(nodes[holder].CPUs) {
		return in[0], in
	}
	return -1, in
}
