package sysfsattr

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Kept-open attributes. An agent reads the same attributes every scan
// (link training, hwmon inputs, error counters, a NIC's state); opening
// one resolves its whole path, and the open and close are two of its
// three system calls. Below a root given to KeepOpen, an attribute read
// is kept open and read again at offset 0, which makes sysfs run its show
// function anew: one system call. A device that goes away deactivates
// its attributes (the read answers ENODEV), and the path is then opened
// again, or found absent. What a scan did not read again is closed at its
// end (Keeper.Sweep), so only what is read every scan stays open.

// maxKept bounds the attributes kept open below one root: past it they are
// opened and closed as without a Keeper.
const maxKept = 2048

// Keeper keeps the attributes read below one root open; see KeepOpen.
type Keeper struct {
	prefixes []string // the root's sys/ and proc/

	mu    sync.Mutex
	files map[string]*keptFile
	gen   uint64
	// lists are folders' listings below sys/, kept while listsOK: the
	// kernel announces each device added or removed (KeepLists).
	lists   map[string]*keptList
	listsOK bool
	// absent are the attributes and folders found missing while listsOK, by path,
	// with the scan that last asked: a file appears with a device, and
	// a device comes with an event.
	absent map[string]uint64
}

// keptList is one folder's listing and the scan that last used it.
type keptList struct {
	entries []DirEntry
	used    uint64
}

// keptFile is one attribute held open: the scan that last read it, and
// how many reads use its descriptor now (it is not closed under them).
type keptFile struct {
	fd   int
	used uint64
	busy int
}

var keepers struct {
	sync.RWMutex
	list []*Keeper
}

// KeepOpen keeps the attributes read below root's sys/ and proc/ open
// between reads, until Close: the kernel's files, whose device deactivates
// them when it goes, never a file on disk that an update replaces. Below
// a captured tree, only for one whose files do not change: a file
// replaced there would be read as it was.
func KeepOpen(root string) *Keeper {
	root = strings.TrimSuffix(root, "/")
	k := &Keeper{prefixes: []string{root + "/sys/", root + "/proc/"}, files: map[string]*keptFile{}}
	keepers.Lock()
	defer keepers.Unlock()
	keepers.list = append(keepers.list, k)
	return k
}

// Sweep closes what was not read since the last Sweep, and drops the
// listings not used since.
func (k *Keeper) Sweep() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for p, f := range k.files {
		if f.used != k.gen && f.busy == 0 {
			unix.Close(f.fd)
			delete(k.files, p)
		}
	}
	for p, l := range k.lists {
		if l.used != k.gen {
			delete(k.lists, p)
		}
	}
	for p, used := range k.absent {
		if used != k.gen {
			delete(k.absent, p)
		}
	}
	k.gen++
}

// KeepLists says whether folders' listings below sys/ are kept between
// scans: only while every device event reaches ForgetLists, for a device
// added or removed is a listing changed.
func (k *Keeper) KeepLists(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.listsOK = on
	if !on {
		k.lists, k.absent = nil, nil
	}
}

// ForgetLists drops the listings kept, and what was found absent: a
// device event came.
func (k *Keeper) ForgetLists() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lists, k.absent = nil, nil
}

// eachKept lists the folder at path with list, or from the listing kept of
// it (one kept when its Keeper keeps listings).
func eachKept(path string, fn func(name string, typ fs.FileMode), list func(func(string, fs.FileMode)) error) error {
	k := keeperOf(path)
	if k == nil || !k.belowSys(path) {
		return list(fn)
	}
	k.mu.Lock()
	ok := k.listsOK
	l := k.lists[path]
	if l != nil {
		l.used = k.gen
	}
	k.mu.Unlock()
	if !ok {
		return list(fn)
	}
	if l != nil {
		for _, e := range l.entries {
			fn(e.Name, e.Type)
		}
		return nil
	}
	var entries []DirEntry
	err := list(func(name string, typ fs.FileMode) {
		entries = append(entries, DirEntry{name, typ})
		fn(name, typ)
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	if k.listsOK {
		if k.lists == nil {
			k.lists = map[string]*keptList{}
		}
		k.lists[path] = &keptList{entries: entries, used: k.gen}
	}
	k.mu.Unlock()
	return nil
}

// noteAbsent remembers that nothing is at full, while listings are kept:
// a file or folder appears with a device, and a device with an event.
func (k *Keeper) noteAbsent(full string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.listsOK && len(k.absent) < maxKept {
		if k.absent == nil {
			k.absent = map[string]uint64{}
		}
		k.absent[full] = k.gen
	}
}

// knownAbsent reports whether full was found missing since the last
// device event (noteAbsent), and marks it asked for by this scan.
func (k *Keeper) knownAbsent(full string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.absent[full]
	if ok {
		k.absent[full] = k.gen
	}
	return ok
}

// openKept opens (or stats) what is at path with open, below a Keeper's
// sys/ that keeps listings: a file or folder found missing (a class no
// driver registered, a slot without hotplug, a capture's link to a device
// it did not copy) is not looked for again until a device event.
func openKept[T any](path string, open func() (T, error)) (T, error) {
	k := keeperOf(path)
	if k == nil || !k.belowSys(path) {
		return open()
	}
	if k.knownAbsent(path) {
		var none T
		return none, &fs.PathError{Op: "open", Path: path, Err: unix.ENOENT}
	}
	v, err := open()
	if errors.Is(err, fs.ErrNotExist) {
		k.noteAbsent(path)
	}
	return v, err
}

// Close stops keeping attributes open and closes those kept.
func (k *Keeper) Close() {
	keepers.Lock()
	for i, have := range keepers.list {
		if have == k {
			keepers.list = append(keepers.list[:i], keepers.list[i+1:]...)
			break
		}
	}
	keepers.Unlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	for p, f := range k.files {
		if f.busy == 0 {
			unix.Close(f.fd)
		}
		delete(k.files, p)
	}
}

// Kept is how many attributes are held open now.
func (k *Keeper) Kept() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.files)
}

// keeperOf is the Keeper of the root full lies below, nil when none.
func keeperOf(full string) *Keeper {
	keepers.RLock()
	defer keepers.RUnlock()
	for _, k := range keepers.list {
		for _, p := range k.prefixes {
			if strings.HasPrefix(full, p) {
				return k
			}
		}
	}
	return nil
}

// readKept reads the attribute at full into buf: from its kept descriptor
// below a Keeper's root, else opened with open (and kept, below one).
func readKept(buf []byte, full string, open func() (int, error)) (string, error) {
	k := keeperOf(full)
	if k == nil {
		fd, err := open()
		if err != nil {
			return "", err
		}
		return readFD(fd, buf, full)
	}
	k.mu.Lock()
	f := k.files[full]
	if f != nil {
		f.busy++
		f.used = k.gen
	}
	_, absent := k.absent[full]
	if absent {
		k.absent[full] = k.gen
	}
	k.mu.Unlock()
	if absent {
		return "", &fs.PathError{Op: "open", Path: full, Err: unix.ENOENT}
	}
	if f != nil {
		n, err := preadAll(f.fd, buf, k.belowSys(full))
		k.release(full, f, errors.Is(err, unix.ENODEV))
		if !errors.Is(err, unix.ENODEV) {
			return result(buf, n, full, err)
		}
		// Its device went away: the path may hold another now, or nothing.
	}
	fd, err := open()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			k.noteAbsent(full)
		}
		return "", err
	}
	k.mu.Lock()
	if len(k.files) >= maxKept || k.files[full] != nil {
		k.mu.Unlock()
		return readFD(fd, buf, full)
	}
	f = &keptFile{fd: fd, used: k.gen, busy: 1}
	k.files[full] = f
	k.mu.Unlock()
	n, err := preadAll(fd, buf, k.belowSys(full))
	k.release(full, f, false)
	return result(buf, n, full, err)
}

// release ends a read of f; gone drops it, closed once no read uses it.
func (k *Keeper) release(full string, f *keptFile, gone bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f.busy--
	if gone && k.files[full] == f {
		delete(k.files, full)
	}
	if k.files[full] != f && f.busy == 0 {
		unix.Close(f.fd) // no longer kept, and no read left on it
	}
}

// belowSys reports whether path is below the root's sys/, where a device
// event announces every folder and file that comes or goes, and where an
// attribute answers whole in one read: sysfs runs its show function once,
// at the read from offset 0, into one page, and hands all it wrote to a
// read that asks for as much (Documentation/filesystems/sysfs.rst); a
// captured tree's copy is a plain file. A short read of one is its end,
// and asking again for the end of file would double a scan's system calls.
func (k *Keeper) belowSys(path string) bool { return strings.HasPrefix(path, k.prefixes[0]) }

// preadAll reads fd from offset 0 until buf is full or the file ends;
// oneShot, after the first read that returns less than it asked.
func preadAll(fd int, buf []byte, oneShot bool) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
		if oneShot && n < len(buf) {
			break
		}
	}
	return n, nil
}

// result is what readFD makes of n bytes read into buf.
func result(buf []byte, n int, full string, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("read %s: %w", full, err) // as fill says it
	}
	if n == len(buf) {
		return "", errTooBig
	}
	return trim(buf[:n]), nil
}
