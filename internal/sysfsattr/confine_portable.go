package sysfsattr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// portableRoot confines reads with os.Root, where openat2 is not there
// (kernels before 5.6, other systems): links are resolved one by one,
// inside the root, and the file is then opened through the os.Root, which
// refuses to leave it even if the tree changes meanwhile.
type portableRoot struct {
	root *os.Root
}

func openPortableRoot(real string) (*portableRoot, error) {
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &portableRoot{root: r}, nil
}

func (p *portableRoot) close() { p.root.Close() }

// maxLinks bounds the links one path may go through, as the kernel's
// MAXSYMLINKS does.
const maxLinks = 40

// resolve returns rel with every link on its way replaced by its target,
// as if the root were "/": ".." stops at the root and an absolute target
// starts from it. The last element stays a link when follow is false.
func (p *portableRoot) resolve(rel string, follow bool) (string, error) {
	todo := strings.Split(path.Clean("/" + rel)[1:], "/")
	if rel == "." || rel == "" {
		todo = nil
	}
	var done []string
	links := 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, name)...)
		if !follow && len(todo) == 0 {
			done = append(done, name)
			break
		}
		fi, err := p.root.Lstat(cur)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, name)
			continue
		}
		if links++; links > maxLinks {
			return "", syscall.ELOOP
		}
		target, err := p.root.Readlink(cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

func (p *portableRoot) openFile(rel, full string) (*os.File, error) {
	r, err := p.resolve(rel, true)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: full, Err: unwrapPathErr(err)}
	}
	return p.root.Open(r)
}

func (p *portableRoot) stat(rel, full string) (fs.FileMode, error) {
	r, err := p.resolve(rel, true)
	if err != nil {
		return 0, &os.PathError{Op: "stat", Path: full, Err: unwrapPathErr(err)}
	}
	fi, err := p.root.Stat(r)
	if err != nil {
		return 0, &os.PathError{Op: "stat", Path: full, Err: unwrapPathErr(err)}
	}
	return fileType(fi.Mode()), nil
}

func (p *portableRoot) readlink(rel, full string) (string, error) {
	r, err := p.resolve(rel, false)
	if err == nil {
		var t string
		if t, err = p.root.Readlink(r); err == nil {
			return t, nil
		}
	}
	return "", &os.PathError{Op: "readlink", Path: full, Err: unwrapPathErr(err)}
}

func (p *portableRoot) realPath(rel, full, real string) (string, error) {
	r, err := p.resolve(rel, true)
	if err != nil {
		return "", &os.PathError{Op: "realpath", Path: full, Err: unwrapPathErr(err)}
	}
	if _, err := p.root.Lstat(r); err != nil {
		return "", &os.PathError{Op: "realpath", Path: full, Err: unwrapPathErr(err)}
	}
	if r == "." {
		return real, nil
	}
	return real + "/" + r, nil
}

// unwrapPathErr keeps the cause of an os.Root error, so the error names
// the path the caller asked for.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileType maps a mode to Dir.Each's types.
func fileType(m fs.FileMode) fs.FileMode {
	switch {
	case m.IsDir():
		return fs.ModeDir
	case m&fs.ModeSymlink != 0:
		return fs.ModeSymlink
	case m.IsRegular():
		return 0
	}
	return fs.ModeIrregular
}

func statPath(p string) (fs.FileMode, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fileType(fi.Mode()), nil
}

func notRegular(full string, m fs.FileMode) error {
	what := "a special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m.IsDir():
		what = "a folder"
	}
	return &os.PathError{Op: "open", Path: full, Err: fmt.Errorf("%w: %s", errNotRegular, what)}
}
