package sysfsattr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// folder is an open directory, read with openat and listed with
// getdents64 into a pooled buffer instead of os.ReadDir, which sorts,
// allocates an entry per name and offers the descriptor to the network
// poller.
type folder struct {
	path   string
	fd     int
	listed bool // each has read the directory: the next must rewind
	// root and rel, below a confined root: the folder's place in it.
	root *confinedRoot
	rel  string
}

// openFolder opens the folder at path, or knows it missing (openKept).
func openFolder(path string) (folder, error) {
	return openKept(path, func() (folder, error) { return openFolderNow(path) })
}

func openFolderNow(path string) (folder, error) {
	trace(path)
	const flags = unix.O_RDONLY | unix.O_DIRECTORY
	if r, rel := confinedAt(path); r != nil {
		fd, err := r.dir.openat(rel, path, flags)
		if err != nil {
			return folder{}, err
		}
		return folder{path: path, fd: fd, root: r, rel: rel}, nil
	}
	fd, err := retry(func() (int, error) { return unix.Open(path, flags|unix.O_CLOEXEC, 0) })
	if err != nil {
		return folder{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return folder{path: path, fd: fd}, nil
}

func (f *folder) close() error { return unix.Close(f.fd) }

func (f *folder) readBuf(buf []byte, name string) (string, error) {
	full := f.path + "/" + name
	return readKept(buf, full, func() (int, error) { return f.open(name, full) })
}

// open opens one attribute of the folder.
func (f *folder) open(name, full string) (int, error) {
	if f.root == nil {
		fd, err := retry(func() (int, error) { return unix.Openat(f.fd, name, readFlags|unix.O_CLOEXEC, 0) })
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: full, Err: err}
		}
		return fd, nil
	}
	// Below a confined root: an attribute's own name cannot leave the
	// folder, which is inside the root; a link, or a name with folders,
	// is resolved from the root.
	fd, err := -1, error(unix.ELOOP)
	if !strings.Contains(name, "/") {
		fd, err = retry(func() (int, error) { return unix.Openat(f.fd, name, readFlags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0) })
	}
	if err == unix.ELOOP {
		fd, err = f.root.dir.openat(f.rel+"/"+name, full, readFlags)
		if err != nil {
			return -1, err
		}
	} else if err != nil {
		return -1, &os.PathError{Op: "open", Path: full, Err: err}
	}
	if err := checkRegular(fd, full); err != nil {
		return -1, err
	}
	return fd, nil
}

func (f *folder) readlink(name string) (string, error) {
	return readlinkWith(f.path+"/"+name, func(buf []byte) (int, error) { return unix.Readlinkat(f.fd, name, buf) })
}

func readlinkPath(path string) (string, error) {
	return readlinkWith(path, func(buf []byte) (int, error) { return unix.Readlink(path, buf) })
}

// readlinkWith grows the buffer until the target fits: a full buffer may
// be a cut target.
func readlinkWith(path string, read func([]byte) (int, error)) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := read(buf)
		if err != nil {
			return "", &os.PathError{Op: "readlink", Path: path, Err: err}
		}
		if n < size || size >= unix.PathMax {
			return string(buf[:n]), nil
		}
	}
}

func (f *folder) each(fn func(name string, typ fs.FileMode)) error {
	if f.listed {
		if _, err := unix.Seek(f.fd, 0, 0); err != nil {
			return &os.PathError{Op: "seek", Path: f.path, Err: err}
		}
	}
	f.listed = true
	bp := direntPool.Get().(*[]byte)
	defer direntPool.Put(bp)
	buf := *bp
	for {
		n, err := unix.ReadDirent(f.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "readdirent", Path: f.path, Err: err}
		}
		if n <= 0 {
			return nil
		}
		if err := f.parseDirents(buf[:n], fn); err != nil {
			return err
		}
	}
}

// direntNameOff is where the name starts in struct linux_dirent64:
// ino u64, off s64, reclen u16, type u8, name.
const direntNameOff = 19

func (f *folder) parseDirents(rec []byte, fn func(string, fs.FileMode)) error {
	for len(rec) > 0 {
		if len(rec) < direntNameOff {
			return fmt.Errorf("list %s: short directory record", f.path)
		}
		reclen := int(binary.NativeEndian.Uint16(rec[16:18]))
		if reclen < direntNameOff || reclen > len(rec) {
			return fmt.Errorf("list %s: bad directory record length %d", f.path, reclen)
		}
		name := rec[direntNameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if s := string(name); s != "." && s != ".." {
			fn(s, f.direntType(rec[18], s))
		}
		rec = rec[reclen:]
	}
	return nil
}

// direntType maps d_type to a file mode; filesystems that leave it unknown
// cost an lstat.
func (f *folder) direntType(t byte, name string) fs.FileMode {
	switch t {
	case unix.DT_DIR:
		return fs.ModeDir
	case unix.DT_LNK:
		return fs.ModeSymlink
	case unix.DT_REG:
		return 0
	case unix.DT_UNKNOWN:
		var st unix.Stat_t
		if unix.Fstatat(f.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFDIR:
				return fs.ModeDir
			case unix.S_IFLNK:
				return fs.ModeSymlink
			case unix.S_IFREG:
				return 0
			}
		}
	}
	return fs.ModeIrregular
}

var direntPool = sync.Pool{New: func() any { b := make([]byte, 8192); return &b }}
