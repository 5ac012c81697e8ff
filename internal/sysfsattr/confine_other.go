//go:build !linux

package sysfsattr

import (
	"io/fs"
	"os"
	"syscall"
)

// rootDir is a confined root where openat2 is not there: os.Root.
type rootDir struct{ p *portableRoot }

func openRootDir(real string) (*rootDir, error) {
	p, err := openPortableRoot(real)
	if err != nil {
		return nil, err
	}
	return &rootDir{p: p}, nil
}

func (d *rootDir) close() { d.p.close() }

func (d *rootDir) stat(rel, full string) (fs.FileMode, error) { return d.p.stat(rel, full) }

func (d *rootDir) readlink(rel, full string) (string, error) { return d.p.readlink(rel, full) }

func (d *rootDir) realPath(rel, full, real string) (string, error) {
	return d.p.realPath(rel, full, real)
}

// openFile opens a file to read: confined and checked regular below a
// confined root.
func openFile(full string) (int, error) {
	trace(full)
	if r, rel := confinedAt(full); r != nil {
		f, err := r.dir.p.openFile(rel, full)
		if err != nil {
			return -1, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return -1, err
		}
		if !fi.Mode().IsRegular() {
			return -1, notRegular(full, fileType(fi.Mode())|fi.Mode().Type())
		}
		return syscall.Dup(int(f.Fd()))
	}
	fd, err := retry(func() (int, error) {
		return syscall.Open(full, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: full, Err: err}
	}
	return fd, nil
}
