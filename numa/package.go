package numa

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// Package is one CPU package (socket) and the online CPUs it holds.
type Package struct {
	ID    int
	CPUs  CPUSet
	Cores int    // distinct core IDs among its online CPUs
	Model string // "model name" of /proc/cpuinfo, when readable
}

// CPUs describes the logical CPUs of the machine.
type CPUs struct {
	Packages []Package
	Online   CPUSet
	Offline  CPUSet
	// Problems are CPUs whose topology could not be read.
	Problems []error
}

// ReadCPUs reads CPU packages from <root>/sys/devices/system/cpu and model
// names from <root>/proc/cpuinfo. Offline CPUs have no topology and are
// listed apart.
func ReadCPUs(root string) (CPUs, error) {
	dir := filepath.Join(root, "sys", "devices", "system", "cpu")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return CPUs{}, fmt.Errorf("read cpus: %w", err)
	}
	var out CPUs
	type core struct{ pkg, core int }
	pkgs := map[int]*Package{}
	cores := map[core]bool{}
	for _, e := range ents {
		s, ok := strings.CutPrefix(e.Name(), "cpu")
		if !ok {
			continue
		}
		cpu, err := strconv.Atoi(s)
		if err != nil {
			continue
		}
		cdir := filepath.Join(dir, e.Name())
		if v, err := readSmall(filepath.Join(cdir, "online")); err == nil && v == "0" {
			out.Offline = append(out.Offline, cpu)
			continue
		}
		pid, err := readInt(filepath.Join(cdir, "topology", "physical_package_id"))
		if err != nil {
			// An offline CPU keeps no topology; one we cannot read is
			// reported, not guessed.
			if _, serr := os.Stat(filepath.Join(cdir, "topology")); serr != nil {
				out.Offline = append(out.Offline, cpu)
			} else {
				out.Problems = append(out.Problems, fmt.Errorf("cpu%d package id: %w", cpu, err))
			}
			continue
		}
		out.Online = append(out.Online, cpu)
		p := pkgs[pid]
		if p == nil {
			p = &Package{ID: pid}
			pkgs[pid] = p
		}
		p.CPUs = append(p.CPUs, cpu)
		if cid, err := readInt(filepath.Join(cdir, "topology", "core_id")); err == nil {
			cores[core{pid, cid}] = true
		}
	}
	for c := range cores {
		pkgs[c.pkg].Cores++
	}
	models := cpuModels(root)
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

// cpuModels maps CPU number to model name. procfs parses cpuinfo for the
// architecture hwgraph was built for; a capture from another architecture
// may not parse, and then packages simply carry no model.
func cpuModels(root string) map[int]string {
	fs, err := procfs.NewFS(filepath.Join(root, "proc"))
	if err != nil {
		return nil
	}
	infos, err := fs.CPUInfo()
	if err != nil {
		return nil
	}
	out := make(map[int]string, len(infos))
	for _, ci := range infos {
		out[int(ci.Processor)] = strings.Join(strings.Fields(ci.ModelName), " ")
	}
	return out
}

func readInt(path string) (int, error) {
	s, err := readSmall(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}
