//go:build !linux

package sysfsattr

import (
	"io/fs"
	"os"
	"syscall"
)

// folder reads a directory by path where Linux's openat and getdents64
// are not there: a captured tree can be read on any system.
type folder struct{ path string }

func openFolder(path string) (folder, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return folder{}, err
	}
	if !fi.IsDir() {
		return folder{}, &os.PathError{Op: "open", Path: path, Err: syscall.ENOTDIR}
	}
	return folder{path: path}, nil
}

func (f *folder) close() error { return nil }

func (f *folder) readBuf(buf []byte, name string) (string, error) {
	return ReadBuf(buf, f.path+"/"+name)
}

func (f *folder) readlink(name string) (string, error) { return readlinkPath(f.path + "/" + name) }

func readlinkPath(path string) (string, error) { return os.Readlink(path) }

func (f *folder) each(fn func(name string, typ fs.FileMode)) error {
	ents, err := os.ReadDir(f.path)
	if err != nil {
		return err
	}
	for _, e := range ents {
		typ := fs.ModeIrregular
		switch t := e.Type(); {
		case t.IsDir():
			typ = fs.ModeDir
		case t&fs.ModeSymlink != 0:
			typ = fs.ModeSymlink
		case t.IsRegular():
			typ = 0
		}
		fn(e.Name(), typ)
	}
	return nil
}
