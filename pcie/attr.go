package pcie

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxAttrSize bounds what we read of one sysfs attribute. The kernel limits
// attributes to a page; a capture (or a broken driver) can hold anything, and
// a huge file must cost us one page, not all of memory.
const maxAttrSize = 4096

// readAttr reads a sysfs attribute, trimmed. A missing file is reported as
// an error wrapping fs.ErrNotExist, so callers can tell absent from broken.
func readAttr(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, maxAttrSize+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	if n > maxAttrSize {
		return "", fmt.Errorf("read %s: larger than %d bytes", p, maxAttrSize)
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

// attrReader reads the attributes of one directory and collects the
// problems, so one bad file costs one attribute, not the device.
type attrReader struct {
	dir      string
	problems []error
}

// str returns the attribute, or "" when it is absent or unreadable.
func (r *attrReader) str(name string) string {
	s, err := readAttr(r.dir, name)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.problems = append(r.problems, err)
		}
		return ""
	}
	return s
}

// hex parses a 0x-prefixed attribute such as vendor or class.
func (r *attrReader) hex(name string, bits int) (uint64, bool) {
	s := r.str(name)
	if s == "" {
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
