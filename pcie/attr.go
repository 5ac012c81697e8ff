package pcie

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// maxAttrSize bounds what we read of one PCI attribute: the kernel prints
// at most a few dozen bytes into a page.
const maxAttrSize = 4096

// readAttrInto reads an attribute into buf (maxAttrSize+1 bytes).
func readAttrInto(buf []byte, dir, name string) (string, error) {
	p := dir + "/" + name
	s, err := sysfsattr.ReadBuf(buf, p)
	if sysfsattr.IsTooBig(err) {
		return "", fmt.Errorf("read %s: larger than %d bytes", p, maxAttrSize)
	}
	return s, err
}

// attrReader reads the attributes of one directory and collects the
// problems, so one bad file costs one attribute, not the device.
type attrReader struct {
	dir      string
	problems []error
	// names, when set, lists the directory: an attribute not in it is
	// absent without a failed open. A device directory holds 30–60
	// entries of which we want about 25, and old kernels lack half of
	// those; listing once halves the syscalls of a scan.
	names map[string]bool
	buf   [maxAttrSize + 1]byte
}

// listDir fills names from one read of the directory.
func (r *attrReader) listDir() error {
	f, err := os.Open(r.dir)
	if err != nil {
		return err
	}
	defer f.Close()
	list, err := f.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list %s: %w", r.dir, err)
	}
	r.names = make(map[string]bool, len(list))
	for _, n := range list {
		r.names[n] = true
	}
	return nil
}

// has reports whether the attribute may exist.
func (r *attrReader) has(name string) bool {
	return r.names == nil || r.names[name]
}

// str returns the attribute, or "" when it is absent or unreadable.
func (r *attrReader) str(name string) string {
	if !r.has(name) {
		return ""
	}
	s, err := readAttrInto(r.buf[:], r.dir, name)
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
	s, err := readAttrInto(r.buf[:], r.dir, name)
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
	t, err := os.Readlink(filepath.Join(r.dir, name))
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
