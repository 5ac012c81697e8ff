package sysfsattr

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Confinement. A captured tree can come from anyone — a bug report, an
// archive off the web — and a link in it may point anywhere:
// board_vendor -> /etc/shadow, bios_version -> /proc/self/environ, a
// device link to a folder outside. Confine makes every read of this
// package below a root resolve inside it, as if it were "/" (a link to
// /etc/shadow reads ROOT/etc/shadow), and read regular files only (a FIFO
// or device is an error on its attribute). Reads below "/" — the live
// machine — are never confined and cost nothing more.

// errNotRegular is the error of an attribute that is a FIFO, socket or
// device node: only regular files are read below a confined root.
var errNotRegular = errors.New("not a regular file")

// IsNotRegular reports whether err is of an attribute that is not a
// regular file below a confined root.
func IsNotRegular(err error) bool { return errors.Is(err, errNotRegular) }

// confinedRoot is one root reads are confined to.
type confinedRoot struct {
	path string // as given, cleaned
	real string // with its own links resolved: paths from RealPath start with it
	refs int
	dir  *rootDir // the open root, system-specific
}

var confined struct {
	sync.RWMutex
	roots []*confinedRoot
}

// Confine confines reads below root until release is called; calls for
// one root nest. Confining "/" does nothing.
func Confine(root string) (release func(), err error) {
	root = filepath.Clean(root)
	confined.Lock()
	defer confined.Unlock()
	// A root confined already is not resolved again: every collector of
	// a scan confines its reads, while the registry holds the root.
	for _, r := range confined.roots {
		if r.path == root {
			r.refs++
			return releaser(r), nil
		}
	}
	real, err := filepath.EvalSymlinks(root) // the root itself is trusted: the user named it
	if err != nil {
		return nil, fmt.Errorf("confine %s: %w", root, err)
	}
	if real == "/" {
		return func() {}, nil
	}
	dir, err := openRootDir(real)
	if err != nil {
		return nil, fmt.Errorf("confine %s: %w", root, err)
	}
	r := &confinedRoot{path: root, real: real, refs: 1, dir: dir}
	confined.roots = append(confined.roots, r)
	return releaser(r), nil
}

func releaser(r *confinedRoot) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			confined.Lock()
			defer confined.Unlock()
			if r.refs--; r.refs > 0 {
				return
			}
			for i, have := range confined.roots {
				if have == r {
					confined.roots = append(confined.roots[:i], confined.roots[i+1:]...)
				}
			}
			r.dir.close()
		})
	}
}

// confinedAt returns the root a path lies below, and the path relative to
// it ("." for the root itself); nil when the path is not confined.
func confinedAt(path string) (*confinedRoot, string) {
	confined.RLock()
	defer confined.RUnlock()
	if len(confined.roots) == 0 {
		return nil, ""
	}
	path = filepath.Clean(path)
	var best *confinedRoot
	rel := ""
	for _, r := range confined.roots {
		for _, prefix := range []string{r.path, r.real} {
			if path == prefix {
				if best == nil || len(prefix) >= len(best.path) {
					best, rel = r, "."
				}
			} else if rest, ok := strings.CutPrefix(path, prefix+"/"); ok {
				if best == nil || len(prefix) >= len(best.path) {
					best, rel = r, rest
				}
			}
		}
	}
	return best, rel
}

// Stat returns the type of the file at path, following links (inside the
// root when confined): fs.ModeDir, 0 for a regular file, others as
// fs.ModeIrregular. Absent is an error wrapping fs.ErrNotExist.
func Stat(path string) (fs.FileMode, error) {
	return openKept(path, func() (fs.FileMode, error) {
		trace(path)
		if r, rel := confinedAt(path); r != nil {
			return r.dir.stat(rel, path)
		}
		return statPath(path)
	})
}

// Exists reports whether a file or folder is at path.
func Exists(path string) bool {
	_, err := Stat(path)
	return err == nil
}

// Readlink returns the target of the link at path, the folders on its way
// resolved inside the root when confined.
func Readlink(path string) (string, error) {
	trace(path)
	if r, rel := confinedAt(path); r != nil {
		return r.dir.readlink(rel, path)
	}
	return readlinkPath(path)
}

// RealPath resolves every link of path, as filepath.EvalSymlinks does but
// inside the root when confined: the result is then below the root too.
func RealPath(path string) (string, error) {
	trace(path)
	if r, rel := confinedAt(path); r != nil {
		return r.dir.realPath(rel, path, r.real)
	}
	return filepath.EvalSymlinks(path)
}

// ReadFile reads a whole file of at most limit bytes, such as a firmware
// table: a larger one is an error.
func ReadFile(path string, limit int) ([]byte, error) {
	fd, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return readAll(fd, path, limit)
}

// DirEntry is one entry of a folder.
type DirEntry struct {
	Name string
	Type fs.FileMode // as Dir.Each gives it
}

// ReadDir lists a folder, sorted by name.
func ReadDir(path string) ([]DirEntry, error) {
	var out []DirEntry
	err := Each(path, func(name string, typ fs.FileMode) { out = append(out, DirEntry{name, typ}) })
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// JoinLink returns the path a link's target (as Readlink gave it) names.
// Below a confined root it stays inside the root, resolved as the kernel
// would resolve it there: ".." stops at the root, and an absolute target
// starts from it.
func JoinLink(link, target string) string {
	if r, rel := confinedAt(link); r != nil {
		var p string
		if strings.HasPrefix(target, "/") {
			p = path.Clean(target)
		} else {
			p = path.Clean("/" + path.Dir(rel) + "/" + target)
		}
		if p == "/" {
			return r.path
		}
		return r.path + p
	}
	if filepath.IsAbs(target) {
		return filepath.Clean(target)
	}
	return filepath.Join(filepath.Dir(link), target)
}
