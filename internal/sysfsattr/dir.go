package sysfsattr

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// Dir reads the attributes of one sysfs directory and collects what went
// wrong: an absent attribute is normal (kernels differ) and reads as
// empty; one that exists but cannot be read or parsed is a problem.
type Dir struct {
	Path     string
	Problems []error
}

// Str returns the attribute trimmed, "" when absent or unreadable.
func (d *Dir) Str(name string) string {
	s, err := Read(filepath.Join(d.Path, name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.Problems = append(d.Problems, err)
		}
		return ""
	}
	return s
}

// Uint returns a decimal attribute, nil when absent or not a number.
func (d *Dir) Uint(name string) *uint64 {
	s := d.Str(name)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		d.Problems = append(d.Problems, fmt.Errorf("parse %s: %w", filepath.Join(d.Path, name), err))
		return nil
	}
	return &v
}
