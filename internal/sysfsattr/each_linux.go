package sysfsattr

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Each calls fn for every entry of the directory at path but "." and "..",
// in the order the kernel returns them, with the entry's type (fs.ModeDir,
// fs.ModeSymlink, 0 for a regular file, fs.ModeIrregular for the rest).
//
// It reads the directory with getdents64 into a pooled page instead of
// os.ReadDir, which sorts, allocates an entry per name and registers the
// descriptor with the poller: walking the device tree of a 137-function
// capture that way cost 5 ms, most of a one-shot scan's budget.
func Each(path string, fn func(name string, typ fs.FileMode)) error {
	fd, err := openDir(path)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	bp := direntPool.Get().(*[]byte)
	defer direntPool.Put(bp)
	buf := *bp
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "readdirent", Path: path, Err: err}
		}
		if n <= 0 {
			return nil
		}
		for rec := buf[:n]; len(rec) >= direntNameOff; {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			reclen := int(binary.NativeEndian.Uint16(rec[16:18]))
			if reclen < direntNameOff || reclen > len(rec) {
				break
			}
			name := rec[direntNameOff:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				fn(s, direntType(rec[18], path, s))
			}
			rec = rec[reclen:]
		}
	}
}

const direntNameOff = 19

// direntType maps d_type to a file mode; filesystems that leave it unknown
// cost an lstat.
func direntType(t byte, dir, name string) fs.FileMode {
	switch t {
	case syscall.DT_DIR:
		return fs.ModeDir
	case syscall.DT_LNK:
		return fs.ModeSymlink
	case syscall.DT_REG:
		return 0
	case syscall.DT_UNKNOWN:
		if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return fi.Mode().Type()
		}
	}
	return fs.ModeIrregular
}

func openDir(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

var direntPool = sync.Pool{New: func() any { b := make([]byte, 8192); return &b }}
