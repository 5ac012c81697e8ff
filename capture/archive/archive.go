// Package archive packs a captured tree into a tar archive and unpacks
// one, from anyone, safely: the format of hwgraph capture, of ghw's
// snapshots and of hwloc-gather-topology.
package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/jaypipes/ghw/pkg/snapshot"
)

// Pack writes the tree at dir to w as a gzip-compressed tar, links as
// links: ghw's snapshot format, which ghw's own tools read too.
func Pack(ctx context.Context, w io.Writer, dir string) error {
	if err := snapshot.PackWithWriter(ctx, w, dir); err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	}
	return nil
}

// Limits bound what Unpack writes: an archive from anyone may be a
// compression bomb.
type Limits struct {
	Entries int
	Bytes   int64
}

// DefaultLimits hold the largest machines' captures many times over.
var DefaultLimits = Limits{Entries: 1_000_000, Bytes: 1 << 30}

// Unpack extracts a tar archive — plain, gzip- or bzip2-compressed, told
// apart by its first bytes — into the folder dst. Only folders, regular
// files and symbolic links are made; every entry is written through
// os.Root, so that neither a name with ".." nor a link the archive made
// before can lead a write outside dst. (ghw's snapshot.Untar checks names
// lexically and then writes through the links it made, which lets a
// crafted archive write outside its folder; captures come from bug
// reports, so this one is used.) Files are made readable and writable by
// their owner whatever the archive says: sysfs holds write-only
// attributes, and a capture must be readable and removable.
func Unpack(r io.Reader, dst string, lim Limits) error {
	root, err := os.OpenRoot(dst)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	defer root.Close()
	stream, err := decompress(r)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	tr := tar.NewReader(stream)
	var entries int
	var size int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if entries == 0 {
				return errors.New("unpack: no tar archive, or an empty one")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("unpack: %w", err)
		}
		if entries++; entries > lim.Entries {
			return fmt.Errorf("unpack: more than %d entries", lim.Entries)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." || name == "/" {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("unpack: entry %q leaves the archive's folder", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = root.MkdirAll(name, 0o755)
		case tar.TypeSymlink:
			if err = root.MkdirAll(path.Dir(name), 0o755); err == nil {
				err = root.Symlink(h.Linkname, name)
			}
		case tar.TypeReg:
			if size += h.Size; size > lim.Bytes {
				return fmt.Errorf("unpack: more than %d bytes", lim.Bytes)
			}
			err = writeEntry(root, name, os.FileMode(h.Mode)&0o777|0o600, tr)
		default:
			continue // devices, FIFOs, hard links: nothing hwgraph reads
		}
		if err != nil {
			return fmt.Errorf("unpack %s: %w", h.Name, err)
		}
	}
}

// decompress tells gzip and bzip2 from a plain tar by their magic bytes.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), nil
	}
	return br, nil
}

func writeEntry(root *os.Root, name string, mode fs.FileMode, r io.Reader) error {
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Open makes what --root names readable as a filesystem root: a folder
// is used as it is; an archive is unpacked into a new temporary folder,
// which done removes. Either way the root is the folder holding sys/ or
// proc/: the one given, or the one folder the archive unpacked into
// (hwloc-gather-topology's archives hold a folder named for the machine).
func Open(name string) (root string, done func(), err error) {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		root, err := OpenIn(name, "")
		return root, func() {}, err
	}
	dir, err := os.MkdirTemp("", "hwgraph-root-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(dir) }
	if root, err = OpenIn(name, dir); err != nil {
		done()
		return "", nil, err
	}
	return root, done, nil
}

// OpenIn is Open with the folder an archive is unpacked into made by the
// caller, which removes it: a command that must remove it when a signal
// ends the process knows its name before the unpacking starts.
func OpenIn(name, dir string) (root string, err error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return findRoot(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := Unpack(f, dir, DefaultLimits); err != nil {
		return "", fmt.Errorf("%s: not a directory, nor a capture archive: %w", name, err)
	}
	if root, err = findRoot(dir); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return root, nil
}

// findRoot returns dir when it holds sys/ or proc/, else the one folder
// in it that does.
func findRoot(dir string) (string, error) {
	if isRoot(dir) {
		return dir, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	found := ""
	for _, e := range ents {
		if e.IsDir() && isRoot(filepath.Join(dir, e.Name())) {
			if found != "" {
				return "", errors.New("more than one folder holds sys/ or proc/")
			}
			found = filepath.Join(dir, e.Name())
		}
	}
	if found == "" {
		return "", errors.New("holds neither sys/ nor proc/; point --root at a filesystem root, a captured tree or a capture archive")
	}
	return found, nil
}

func isRoot(d string) bool {
	for _, s := range []string{"sys", "proc"} {
		if fi, err := os.Stat(filepath.Join(d, s)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}
