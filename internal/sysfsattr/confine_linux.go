package sysfsattr

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// rootDir is a confined root on Linux: paths are resolved by openat2 with
// RESOLVE_IN_ROOT, in one system call, which the kernel keeps inside the
// root; magic links (/proc/self/fd/N) are refused. Kernels before 5.6
// lack openat2: then the portable resolution serves.
type rootDir struct {
	fd   int
	real string

	noOpenat2 atomic.Bool // openat2 answered ENOSYS: the portable resolution serves
	once      sync.Once
	portable  *portableRoot
	perr      error
}

func openRootDir(real string) (*rootDir, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(real, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: real, Err: err}
	}
	return &rootDir{fd: fd, real: real}, nil
}

func (d *rootDir) close() {
	unix.Close(d.fd)
	if d.portable != nil {
		d.portable.close()
	}
}

func (d *rootDir) fallback() (*portableRoot, error) {
	d.once.Do(func() { d.portable, d.perr = openPortableRoot(d.real) })
	return d.portable, d.perr
}

// openat opens rel inside the root: a file to read or a folder (flags
// readFlags, or with O_DIRECTORY, or O_PATH).
func (d *rootDir) openat(rel, full string, flags int) (int, error) {
	if !d.noOpenat2.Load() {
		how := &unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
		fd, err := retry(func() (int, error) { return unix.Openat2(d.fd, rel, how) })
		if err != unix.ENOSYS {
			if err != nil {
				return -1, &os.PathError{Op: "open", Path: full, Err: err}
			}
			return fd, nil
		}
		d.noOpenat2.Store(true)
	}
	p, err := d.fallback()
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: full, Err: err}
	}
	if flags&unix.O_DIRECTORY == 0 && flags&unix.O_PATH == 0 {
		// A file to read: os.Root opens it without O_NONBLOCK, so a
		// FIFO must be told apart first (racily: only without openat2).
		if typ, err := p.stat(rel, full); err != nil {
			return -1, err
		} else if typ != 0 {
			return -1, notRegular(full, typ)
		}
	}
	f, err := p.openFile(rel, full)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return retry(func() (int, error) { return unix.Dup(int(f.Fd())) })
}

func (d *rootDir) stat(rel, full string) (fs.FileMode, error) {
	if d.noOpenat2.Load() {
		if p, err := d.fallback(); err == nil {
			return p.stat(rel, full)
		}
	}
	fd, err := d.openat(rel, full, unix.O_PATH)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, &os.PathError{Op: "stat", Path: full, Err: err}
	}
	return modeType(st.Mode), nil
}

func (d *rootDir) readlink(rel, full string) (string, error) {
	if d.noOpenat2.Load() {
		if p, err := d.fallback(); err == nil {
			return p.readlink(rel, full)
		}
	}
	dir, name := path.Split(rel)
	if dir == "" {
		dir = "."
	}
	fd, err := d.openat(dir, full, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	return readlinkWith(full, func(buf []byte) (int, error) { return unix.Readlinkat(fd, name, buf) })
}

// realPath asks the kernel where the confined open ended: the path of
// the descriptor, which lies below the root's real path.
func (d *rootDir) realPath(rel, full, real string) (string, error) {
	fd, err := d.openat(rel, full, unix.O_PATH)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	p, err := readlinkPath("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil || (p != real && !strings.HasPrefix(p, real+"/")) {
		// No /proc to ask: resolve it link by link.
		pr, perr := d.fallback()
		if perr != nil {
			return "", &os.PathError{Op: "realpath", Path: full, Err: perr}
		}
		return pr.realPath(rel, full, real)
	}
	return p, nil
}

// checkRegular fails, closing fd, unless it is a regular file: below a
// confined root, a FIFO, socket or device is not an attribute.
func checkRegular(fd int, full string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "stat", Path: full, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return notRegular(full, modeType(st.Mode))
	}
	return nil
}

func modeType(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFREG:
		return 0
	case unix.S_IFIFO:
		return fs.ModeIrregular | fs.ModeNamedPipe
	case unix.S_IFCHR:
		return fs.ModeIrregular | fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeIrregular | fs.ModeDevice
	case unix.S_IFSOCK:
		return fs.ModeIrregular | fs.ModeSocket
	}
	return fs.ModeIrregular
}

// The flags an attribute is opened with: O_NONBLOCK so that a FIFO reads
// as empty instead of blocking the open forever (sysfs ignores it),
// O_NOCTTY so that a terminal never becomes ours.
const readFlags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY

// openFile opens a file to read: confined and checked regular below a
// confined root, as it is elsewhere.
func openFile(full string) (int, error) {
	trace(full)
	if r, rel := confinedAt(full); r != nil {
		fd, err := r.dir.openat(rel, full, readFlags)
		if err != nil {
			return -1, err
		}
		if err := checkRegular(fd, full); err != nil {
			return -1, err
		}
		return fd, nil
	}
	fd, err := retry(func() (int, error) { return unix.Open(full, readFlags|unix.O_CLOEXEC, 0) })
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: full, Err: err}
	}
	return fd, nil
}
