package sysfsattr

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Dir reads the attributes of one sysfs folder and collects what went
// wrong: an absent attribute is normal (kernels differ) and reads as
// empty; one that exists but cannot be read or parsed is a problem, kept
// in Problems, so one bad file costs one attribute, not the device.
//
// A Dir from OpenDir holds the folder open: its attributes are opened
// relative to it, so the kernel resolves a device's long path once
// instead of once per attribute. One from NewDir reads by path.
type Dir struct {
	Path     string
	Problems []error
	// Limit bounds one attribute's size; 0 is PageSize.
	Limit int

	f    folder // the open folder, when open
	open bool
	// index, once Expect listed the folder, numbers the attributes a
	// reader asks for, and present has a bit for each one found: an
	// attribute that is not there is then absent without a failed open.
	// A PCI function's folder holds 30–60 entries of which a scan wants
	// about 20, and old kernels lack half of those.
	index   *Names
	present uint64
}

// NewDir returns a Dir that reads the folder at path by path.
func NewDir(path string) *Dir { return &Dir{Path: path} }

// OpenDir opens the folder at path. The error wraps fs.ErrNotExist when
// it is absent (a device removed since its bus was listed) and says so
// when path is not a folder.
func OpenDir(path string) (*Dir, error) {
	f, err := openFolder(path)
	if err != nil {
		return nil, err
	}
	return &Dir{Path: path, f: f, open: true}, nil
}

// Close releases an open folder; it does nothing for one read by path.
func (d *Dir) Close() error {
	if !d.open {
		return nil
	}
	d.open = false
	return d.f.close()
}

// Names numbers the attributes a reader asks for, for Dir.Expect. At most
// 64.
type Names struct {
	list []string
	bit  map[string]uint
}

// NewNames numbers names.
func NewNames(names ...string) *Names {
	if len(names) > 64 {
		panic("sysfsattr: more than 64 names")
	}
	n := &Names{list: names, bit: make(map[string]uint, len(names))}
	for i, name := range names {
		n.bit[name] = uint(i)
	}
	return n
}

// Mask is the bits of the given names in a listing (Present), for a
// reader to mark names present or absent itself.
func (n *Names) Mask(names ...string) uint64 {
	var m uint64
	for _, name := range names {
		if i, ok := n.bit[name]; ok {
			m |= 1 << i
		}
	}
	return m
}

// List returns the names, in the order given.
func (n *Names) List() []string { return slices.Clone(n.list) }

// Expect lists the folder once and remembers which of names it holds:
// Has, and every read, then answer "absent" for the others without a
// system call.
func (d *Dir) Expect(names *Names) error {
	var present uint64
	err := d.Each(func(name string, _ fs.FileMode) {
		if i, ok := names.bit[name]; ok {
			present |= 1 << i
		}
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", d.Path, err)
	}
	d.index, d.present = names, present
	return nil
}

// Present is what Expect found, for Assume on a later read of the same
// folder.
func (d *Dir) Present() uint64 { return d.present }

// Expected reports whether Expect listed the folder (or Assume took a
// listing): Present means something only then.
func (d *Dir) Expected() bool { return d.index != nil }

// Assume takes a listing Expect made before (Present) instead of listing
// the folder again: for a folder whose set of files does not change while
// its device stays (a PCI function's).
func (d *Dir) Assume(names *Names, present uint64) { d.index, d.present = names, present }

// Has reports whether the attribute may exist: false only when Expect
// listed the folder and did not find it.
func (d *Dir) Has(name string) bool {
	if d.index == nil {
		return true
	}
	i, ok := d.index.bit[name]
	return !ok || d.present&(1<<i) != 0
}

// Problem records a problem with the folder's attributes.
func (d *Dir) Problem(err error) { d.Problems = append(d.Problems, err) }

// Read reads one attribute, bounded by Limit. An absent one is an error
// wrapping fs.ErrNotExist.
func (d *Dir) Read(name string) (string, error) {
	if !d.Has(name) {
		return "", &fs.PathError{Op: "open", Path: d.Path + "/" + name, Err: fs.ErrNotExist}
	}
	limit := d.Limit
	if limit <= 0 {
		limit = PageSize
	}
	var bp *[]byte
	var buf []byte
	if limit == PageSize {
		bp = pagePool.Get().(*[]byte)
		defer pagePool.Put(bp)
		buf = *bp
	} else {
		buf = make([]byte, limit+1)
	}
	var s string
	var err error
	if d.open {
		trace(d.Path + "/" + name)
		s, err = d.f.readBuf(buf, name)
	} else {
		s, err = ReadBuf(buf, d.Path+"/"+name)
	}
	if IsTooBig(err) {
		return "", tooBig(d.Path+"/"+name, limit)
	}
	return s, err
}

// Str returns the attribute, "" when it is absent or unreadable (a
// problem).
func (d *Dir) Str(name string) string {
	if !d.Has(name) {
		return "" // absent, known without an error to build
	}
	s, err := d.Read(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.Problem(err)
		}
		return ""
	}
	return s
}

// Uint returns a decimal attribute, nil when absent or not a number (a
// problem).
func (d *Dir) Uint(name string) *uint64 {
	s := d.Str(name)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		d.parseProblem(name, s, err)
		return nil
	}
	return &v
}

// Int returns a decimal attribute that may be negative (numa_node is -1
// when unknown); ok is false when absent or not a number (a problem).
func (d *Dir) Int(name string) (int, bool) {
	s := d.Str(name)
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		d.parseProblem(name, s, err)
		return 0, false
	}
	return v, true
}

// Hex parses a 0x-prefixed attribute of at most bits bits, such as a PCI
// vendor or class. An empty file is a problem: the kernel always prints a
// value.
func (d *Dir) Hex(name string, bits int) (uint64, bool) {
	if !d.Has(name) {
		return 0, false
	}
	s, err := d.Read(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.Problem(err)
		}
		return 0, false
	}
	if s == "" {
		d.Problem(fmt.Errorf("%s/%s: empty", d.Path, name))
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, bits)
	if err != nil {
		d.parseProblem(name, s, err)
		return 0, false
	}
	return v, true
}

func (d *Dir) parseProblem(name, value string, err error) {
	d.Problem(fmt.Errorf("parse %s/%s %q: %w", d.Path, name, Excerpt(value), err))
}

// Readlink returns the target of the symbolic link name.
func (d *Dir) Readlink(name string) (string, error) {
	if !d.Has(name) {
		return "", &fs.PathError{Op: "readlink", Path: d.Path + "/" + name, Err: fs.ErrNotExist}
	}
	if d.open {
		trace(d.Path + "/" + name)
		return d.f.readlink(name)
	}
	return readlinkPath(d.Path + "/" + name)
}

// LinkBase returns the last element of a link's target ("nvme" for a
// driver link), "" when the link is absent or unreadable (a problem).
func (d *Dir) LinkBase(name string) string {
	if !d.Has(name) {
		return ""
	}
	t, err := d.Readlink(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.Problem(err)
		}
		return ""
	}
	return filepath.Base(t)
}

// Each calls fn for every entry of the folder but "." and "..", in the
// order the kernel returns them, with its type: fs.ModeDir,
// fs.ModeSymlink, 0 for a regular file, fs.ModeIrregular for the rest.
func (d *Dir) Each(fn func(name string, typ fs.FileMode)) error {
	if d.open {
		return eachKept(d.Path, fn, d.f.each)
	}
	return Each(d.Path, fn)
}

// Each lists the folder at path; see Dir.Each.
func Each(path string, fn func(name string, typ fs.FileMode)) error {
	return eachKept(path, fn, func(fn func(string, fs.FileMode)) error {
		f, err := openFolder(path)
		if err != nil {
			return err
		}
		defer f.close()
		return f.each(fn)
	})
}
