// Package nvme reads NVMe controllers (/sys/class/nvme), their namespaces
// and the subsystems that group them (/sys/class/nvme-subsystem) from any
// root. procfs's sysfs.NVMeClass fails the whole class when one
// controller has an unreadable file and reads neither the transport, the
// address nor the PCI function of a controller; a dead controller is
// exactly the one whose files fail, so the attributes are read here.
package nvme

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/pcie"
)

// Controller is one NVMe controller: a PCIe SSD, or one path to a fabric
// subsystem (tcp, rdma, fc).
type Controller struct {
	Name         string // "nvme0"
	Model        string
	Serial       string
	Firmware     string
	State        string // live, resetting, connecting, dead, deleting…
	Transport    string // pcie, tcp, rdma, fc, loop
	Address      string
	ControllerID string
	// PCI is the function the controller is, "0000:01:00.0", or "".
	PCI string
	// Subsystem is the nvme-subsystem holding the controller, or "".
	Subsystem  string
	Namespaces []Namespace
	Problems   []error
}

// Namespace is a namespace as one controller or subsystem sees it.
type Namespace struct {
	// Name is the block device ("nvme0n1") or, for one path of a
	// multipath namespace, the hidden path device ("nvme0c1n1").
	Name string
	// Head is the block device a path device serves ("nvme0n1"); equal
	// to Name for a namespace without multipath.
	Head             string
	NSID             string
	SizeBytes        *uint64
	LogicalBlockSize *uint64
	ANAState         string // optimized, non-optimized, inaccessible… ("" without ANA)
}

var (
	namespaceName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^nvme(\d+)n(\d+)$`) })
	pathName      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^nvme(\d+)c\d+n(\d+)$`) })
	controllerDir = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^nvme\d+$`) })
)

// ReadControllers reads every controller under <sysfs>/class/nvme,
// sorted by number. A missing class is an fs.ErrNotExist-wrapped error.
func ReadControllers(sysfs string) ([]Controller, error) {
	dir := filepath.Join(sysfs, "class", "nvme")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read nvme class: %w", err)
	}
	subsysOf := subsystemIndex(sysfs)
	var out []Controller
	for _, e := range ents {
		if !controllerDir().MatchString(e.Name) {
			continue
		}
		c := readController(sysfs, filepath.Join(dir, e.Name), e.Name)
		c.Subsystem = subsysOf[c.Name]
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read nvme class: no controllers: %w", fs.ErrNotExist)
	}
	sort.Slice(out, func(i, j int) bool { return numLess(out[i].Name, out[j].Name) })
	return out, nil
}

func readController(sysfs, dir, name string) Controller {
	d := sysfsattr.NewDir(dir)
	c := Controller{
		Name:         name,
		Model:        d.Str("model"),
		Serial:       d.Str("serial"),
		Firmware:     d.Str("firmware_rev"),
		State:        d.Str("state"),
		Transport:    d.Str("transport"),
		Address:      d.Str("address"),
		ControllerID: d.Str("cntlid"),
		PCI:          pciFunction(sysfs, dir, name),
	}
	c.Namespaces = readNamespaces(dir, d)
	c.Problems = d.Problems
	return c
}

// pciFunction finds the PCI function a controller is. On a live system
// the class entry is a link into the function's folder
// (…/0000:01:00.0/nvme/nvme0) and has a device link; captures that
// flatten the class keep the controller under its function, so those
// are searched last.
func pciFunction(sysfs, dir, name string) string {
	if real, err := sysfsattr.RealPath(dir); err == nil {
		if parent := filepath.Base(filepath.Dir(filepath.Dir(real))); filepath.Base(filepath.Dir(real)) == "nvme" {
			if _, err := pcie.ParseAddress(parent); err == nil {
				return parent
			}
		}
	}
	if dev, err := sysfsattr.Readlink(filepath.Join(dir, "device")); err == nil {
		if _, err := pcie.ParseAddress(filepath.Base(dev)); err == nil {
			return filepath.Base(dev)
		}
	}
	fns, _ := sysfsattr.ReadDir(filepath.Join(sysfs, "bus", "pci", "devices"))
	found := ""
	for _, f := range fns {
		if sysfsattr.Exists(filepath.Join(sysfs, "bus", "pci", "devices", f.Name, "nvme", name)) {
			if found != "" {
				return "" // two functions claim it: none is sure
			}
			found = f.Name
		}
	}
	return found
}

// readNamespaces reads the namespace folders of a controller or
// subsystem: nvme0n1 (a namespace) and nvme0c1n1 (controller 1's path to
// the multipath namespace nvme0n1).
func readNamespaces(dir string, parent *sysfsattr.Dir) []Namespace {
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		parent.Problems = append(parent.Problems, err)
		return nil
	}
	var out []Namespace
	for _, e := range ents {
		n := Namespace{Name: e.Name, Head: e.Name}
		switch {
		case namespaceName().MatchString(e.Name):
			n.NSID = namespaceName().FindStringSubmatch(e.Name)[2]
		case pathName().MatchString(e.Name):
			m := pathName().FindStringSubmatch(e.Name)
			n.Head, n.NSID = "nvme"+m[1]+"n"+m[2], m[2]
		default:
			continue
		}
		d := sysfsattr.NewDir(filepath.Join(dir, e.Name))
		if id := d.Str("nsid"); id != "" {
			n.NSID = id
		}
		if sectors := d.Uint("size"); sectors != nil {
			// The block layer counts 512-byte sectors whatever the
			// namespace's block size.
			b := *sectors * 512
			n.SizeBytes = &b
		}
		n.LogicalBlockSize = d.Uint("queue/logical_block_size")
		n.ANAState = d.Str("ana_state")
		parent.Problems = append(parent.Problems, d.Problems...)
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return numLess(out[i].Name, out[j].Name) })
	return out
}

// Subsystem is an NVM subsystem: the storage a set of controllers (one
// per path, for multipath) lead to.
type Subsystem struct {
	Name        string // "nvme-subsys0"
	NQN         string
	Model       string
	Serial      string
	IOPolicy    string // numa, round-robin, queue-depth
	Controllers []SubsystemPath
	// Namespaces are the namespace heads: the block devices users see.
	Namespaces []Namespace
	Problems   []error
}

// SubsystemPath is one controller as its subsystem lists it.
type SubsystemPath struct {
	Controller string
	State      string
	Transport  string
	Address    string
}

// ReadSubsystems reads <sysfs>/class/nvme-subsystem.
func ReadSubsystems(sysfs string) ([]Subsystem, error) {
	dir := filepath.Join(sysfs, "class", "nvme-subsystem")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read nvme subsystems: %w", err)
	}
	var out []Subsystem
	for _, e := range ents {
		if !strings.HasPrefix(e.Name, "nvme-subsys") {
			continue
		}
		out = append(out, readSubsystem(filepath.Join(dir, e.Name), e.Name))
	}
	sort.Slice(out, func(i, j int) bool { return numLess(out[i].Name, out[j].Name) })
	return out, nil
}

func readSubsystem(dir, name string) Subsystem {
	d := sysfsattr.NewDir(dir)
	s := Subsystem{Name: name, NQN: d.Str("subsysnqn"), Model: d.Str("model"), Serial: d.Str("serial"), IOPolicy: d.Str("iopolicy")}
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		d.Problems = append(d.Problems, err)
	}
	for _, e := range ents {
		if !controllerDir().MatchString(e.Name) {
			continue
		}
		cd := sysfsattr.NewDir(filepath.Join(dir, e.Name))
		s.Controllers = append(s.Controllers, SubsystemPath{Controller: e.Name,
			State: cd.Str("state"), Transport: cd.Str("transport"), Address: cd.Str("address")})
		d.Problems = append(d.Problems, cd.Problems...)
	}
	sort.Slice(s.Controllers, func(i, j int) bool { return numLess(s.Controllers[i].Controller, s.Controllers[j].Controller) })
	s.Namespaces = readNamespaces(dir, d)
	s.Problems = d.Problems
	return s
}

// subsystemIndex maps controller names to their subsystem.
func subsystemIndex(sysfs string) map[string]string {
	out := map[string]string{}
	dir := filepath.Join(sysfs, "class", "nvme-subsystem")
	subs, _ := sysfsattr.ReadDir(dir)
	for _, s := range subs {
		if !strings.HasPrefix(s.Name, "nvme-subsys") {
			continue
		}
		ctrls, _ := sysfsattr.ReadDir(filepath.Join(dir, s.Name))
		for _, c := range ctrls {
			if controllerDir().MatchString(c.Name) {
				out[c.Name] = s.Name
			}
		}
	}
	return out
}

// numLess orders "nvme2" before "nvme10".
func numLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
