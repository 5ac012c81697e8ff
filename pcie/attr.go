package pcie

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// maxAttrSize bounds what we read of one PCI attribute: the kernel prints
// at most a few dozen bytes into a page.
const maxAttrSize = 4096

// attrReader reads the attributes of one directory and collects the
// problems, so one bad file costs one attribute, not the device.
type attrReader struct {
	dir      string
	problems []error
	// folder, when open, is dir: attributes are read relative to it.
	folder *sysfsattr.Folder
	// listed is set once the directory has been listed; present then
	// holds a bit per deviceAttrs entry found in it, so an attribute not
	// there is absent without a failed open. A device directory holds
	// 30–60 entries of which we want about 20, and old kernels lack half
	// of those; listing once halves the syscalls of a scan.
	listed  bool
	present uint64
	buf     [maxAttrSize + 1]byte
}

// deviceAttrs numbers the attributes ReadDevice asks for, for attrReader's
// presence bits.
var deviceAttrs = func() map[string]uint {
	m := map[string]uint{}
	for i, name := range []string{
		"uevent", "class", "vendor", "device", "subsystem_vendor", "subsystem_device", "revision",
		"driver", "label", "numa_node", "local_cpulist", "local_cpus", "iommu_group", "physfn",
		"current_link_speed", "max_link_speed", "current_link_width", "max_link_width",
		"sriov_totalvfs", "sriov_numvfs", "aer_dev_correctable", "aer_dev_nonfatal", "aer_dev_fatal",
	} {
		m[name] = uint(i)
	}
	return m
}()

// open opens and lists the directory; close releases it.
func (r *attrReader) open() error {
	f, err := sysfsattr.OpenFolder(r.dir)
	if err != nil {
		return err
	}
	err = f.Each(func(name string, _ fs.FileMode) {
		if i, ok := deviceAttrs[name]; ok {
			r.present |= 1 << i
		}
	})
	if err != nil {
		f.Close()
		return fmt.Errorf("list %s: %w", r.dir, err)
	}
	r.folder, r.listed = f, true
	return nil
}

func (r *attrReader) close() {
	if r.folder != nil {
		r.folder.Close()
		r.folder = nil
	}
}

// read reads one attribute, bounded by maxAttrSize.
func (r *attrReader) read(name string) (string, error) {
	var s string
	var err error
	if r.folder != nil {
		s, err = r.folder.ReadBuf(r.buf[:], name)
	} else {
		s, err = sysfsattr.ReadBuf(r.buf[:], r.dir+"/"+name)
	}
	if sysfsattr.IsTooBig(err) {
		return "", fmt.Errorf("read %s/%s: larger than %d bytes", r.dir, name, maxAttrSize)
	}
	return s, err
}

// has reports whether the attribute may exist.
func (r *attrReader) has(name string) bool {
	if !r.listed {
		return true
	}
	i, ok := deviceAttrs[name]
	return !ok || r.present&(1<<i) != 0
}

// str returns the attribute, or "" when it is absent or unreadable.
func (r *attrReader) str(name string) string {
	if !r.has(name) {
		return ""
	}
	s, err := r.read(name)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.problems = append(r.problems, err)
		}
		return ""
	}
	return s
}

// hex parses a 0x-prefixed attribute such as vendor or class. An empty
// file is a problem: the kernel always prints a value.
func (r *attrReader) hex(name string, bits int) (uint64, bool) {
	if !r.has(name) {
		return 0, false
	}
	s, err := r.read(name)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.problems = append(r.problems, err)
		}
		return 0, false
	}
	if s == "" {
		r.problems = append(r.problems, fmt.Errorf("%s/%s: empty", r.dir, name))
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, bits)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("parse %s/%s %q: %w", r.dir, name, truncate(s), err))
		return 0, false
	}
	return v, true
}

// id16 parses a 16-bit ID attribute (vendor, device…), 0 when absent or
// bad (the problem is recorded).
func (r *attrReader) id16(name string) uint16 {
	v, _ := r.hex(name, 16)
	return uint16(v)
}

// int parses a decimal attribute.
func (r *attrReader) int(name string) (int, bool) {
	s := r.str(name)
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("parse %s/%s %q: %w", r.dir, name, truncate(s), err))
		return 0, false
	}
	return v, true
}

// linkBase returns the last element of a symlink's target, "" if absent.
func (r *attrReader) linkBase(name string) string {
	if !r.has(name) {
		return ""
	}
	var t string
	var err error
	if r.folder != nil {
		t, err = r.folder.Readlink(name)
	} else {
		t, err = os.Readlink(filepath.Join(r.dir, name))
	}
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.problems = append(r.problems, fmt.Errorf("readlink %s/%s: %w", r.dir, name, err))
		}
		return ""
	}
	return filepath.Base(t)
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
