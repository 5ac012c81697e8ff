//go:build !linux

package sysfsattr

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// folder is an open directory where Linux's openat and getdents64 are not
// there: attributes are read by path, so a captured tree can be read on
// any system.
type folder struct {
	path   string
	f      *os.File
	listed bool
}

func openFolder(path string) (folder, error) {
	trace(path)
	var f *os.File
	var err error
	if r, rel := confinedAt(path); r != nil {
		f, err = r.dir.p.openFile(rel, path)
	} else {
		f, err = os.Open(path)
	}
	if err != nil {
		return folder{}, err
	}
	if fi, err := f.Stat(); err != nil || !fi.IsDir() {
		f.Close()
		return folder{}, &os.PathError{Op: "open", Path: path, Err: syscall.ENOTDIR}
	}
	return folder{path: path, f: f}, nil
}

func (f *folder) close() error { return f.f.Close() }

func (f *folder) readBuf(buf []byte, name string) (string, error) {
	return ReadBuf(buf, f.path+"/"+name)
}

func (f *folder) readlink(name string) (string, error) { return Readlink(f.path + "/" + name) }

func readlinkPath(path string) (string, error) { return os.Readlink(path) }

func (f *folder) each(fn func(name string, typ fs.FileMode)) error {
	if f.listed {
		if _, err := f.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	f.listed = true
	ents, err := f.f.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range ents {
		fn(e.Name(), fileType(e.Type()))
	}
	return nil
}
