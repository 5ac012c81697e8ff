// Package sysfsattr is hwgraph's one reader of sysfs attributes: bounded
// reads (the kernel limits an attribute to a page, 4 KiB on x86 and 64 KiB
// on ppc64 and ia64; a captured tree or a broken driver can hold anything,
// and a huge file must cost a bounded read, not all of memory), Dir for the
// attributes of one device folder with the problems found, and the listing
// of numbered folders (node0, cpu12, mc1).
//
// It is also the one way hwgraph confines what it reads below a root it
// was given (Confine): openat2 with RESOLVE_IN_ROOT, one system call a
// path, and os.Root only where openat2 is missing. Read whole, the
// 256ia64 capture takes about 1,900 system calls this way and 99,000
// through os.Root, 12 times as long (BenchmarkConfinedWalk); os.Root
// stays for writing below a folder (a capture's staging, an unpacked
// archive), which is not reading.
package sysfsattr

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
)

// MaxSize is the largest attribute Read reads: the largest page size
// Linux uses.
const MaxSize = 64 << 10

// PageSize bounds what a Dir reads of one attribute unless told otherwise:
// device attributes are a few dozen bytes printed into a page.
const PageSize = 4096

// Read reads the attribute at path, trimmed of surrounding white space
// and trailing NUL bytes.
// A missing file gives an error wrapping fs.ErrNotExist, so callers can
// tell absent from broken; a file larger than MaxSize is an error.
func Read(path string) (string, error) {
	bp := pagePool.Get().(*[]byte)
	s, err := ReadBuf(*bp, path)
	pagePool.Put(bp)
	if err == errTooBig {
		buf := make([]byte, MaxSize+1)
		s, err = ReadBuf(buf, path)
	}
	if err == errTooBig {
		return "", tooBig(path, MaxSize)
	}
	return s, err
}

// pagePool holds x86-page buffers: most attributes fit one, and a scan
// reads thousands.
var pagePool = sync.Pool{New: func() any { b := make([]byte, PageSize+1); return &b }}

var errTooBig = errors.New("attribute larger than the buffer")

func tooBig(path string, limit int) error {
	return fmt.Errorf("read %s: larger than %d bytes", path, limit)
}

// ReadBuf is Read into the caller's buffer, so a scan of thousands of
// attributes does not allocate a page for each. An attribute that fills
// the buffer is reported as too large (IsTooBig).
//
// The file is read with plain system calls, not an *os.File: os.Open
// offers every file to the network poller (an epoll_ctl that fails for a
// regular file, and four fcntl calls), which for a scan of thousands of
// attributes cost more than the reads.
func ReadBuf(buf []byte, path string) (string, error) {
	return readKept(buf, path, func() (int, error) { return openFile(path) })
}

// IsTooBig reports whether err says an attribute overflowed ReadBuf's
// buffer.
func IsTooBig(err error) bool { return err == errTooBig }

// readFD reads and closes fd.
func readFD(fd int, buf []byte, path string) (string, error) {
	n, err := fill(fd, buf, path)
	if err != nil {
		return "", err
	}
	if n == len(buf) {
		return "", errTooBig
	}
	return trim(buf[:n]), nil
}

// trim drops the white space around a value and the NUL bytes after it:
// some attributes are printed with their terminating NUL ("0-3\n\x00",
// a node list), and lstopo reads them as the value before it.
func trim(b []byte) string {
	return strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
}

// fill reads fd into buf until it is full or the file ends, and closes
// fd.
func fill(fd int, buf []byte, path string) (int, error) {
	defer syscall.Close(fd)
	n := 0
	for n < len(buf) {
		k, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("read %s: %w", path, err)
		}
		if k == 0 {
			break
		}
		n += k
	}
	return n, nil
}

// readAll reads a whole file of at most limit bytes and closes fd.
func readAll(fd int, path string, limit int) ([]byte, error) {
	buf := make([]byte, 0, min(limit+1, 64<<10))
	defer syscall.Close(fd)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, tooBig(path, limit)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := syscall.Read(fd, buf[len(buf):min(cap(buf), limit+1)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if k == 0 {
			if cap(buf)-len(buf) > 4096 {
				// Kept, a firmware record's 64 KiB buffer would
				// outweigh it a hundred times.
				return bytes.Clone(buf), nil
			}
			return buf, nil
		}
		buf = buf[:len(buf)+k]
		if len(buf) > limit {
			return nil, tooBig(path, limit)
		}
	}
}

// retry repeats a system call interrupted by a signal.
func retry(call func() (int, error)) (int, error) {
	for {
		fd, err := call()
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// Excerpt is the start of a value that failed to parse, for an error
// message: at most 40 bytes, valid UTF-8.
func Excerpt(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
