package capture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Limits bound a copy: the tree copied may be a hostile capture, and a
// live machine's sysfs is large.
type Limits struct {
	// Entries bounds the files, links and folders copied.
	Entries int
	// Bytes bounds the files' total size; FileBytes one file's.
	Bytes     int64
	FileBytes int
}

// DefaultLimits are far above what a machine with thousands of PCI
// functions and CPUs gives.
var DefaultLimits = Limits{Entries: 500_000, Bytes: 512 << 20, FileBytes: 16 << 20}

// Report is what a copy did.
type Report struct {
	Files   int   `json:"files"`
	Links   int   `json:"links"`
	Folders int   `json:"folders"`
	Bytes   int64 `json:"bytes"`
	// Unreadable are the paths that exist but could not be read or
	// listed (an attribute whose driver answers EIO), with why: the
	// capture lacks them.
	Unreadable map[string]string `json:"unreadable,omitempty"`
}

// maxHops bounds the links followed to resolve one path, as the kernel's
// ELOOP does.
const maxHops = 40

// maxDepth bounds how many folders "**" descends.
const maxDepth = 16

// Copy copies the files and folders reads name from the tree at src ("/"
// for this machine) into the empty folder dst, keeping the tree's shape:
// each path is resolved element by element, every link on the way is
// copied as a link and the files are copied where the links lead, so
// that reading dst gives what reading src gave. What does not exist is
// skipped (collectors list what a machine may have); what exists but
// cannot be read is in the report. red, when not nil, redacts the files
// that hold secrets.
//
// Below a root other than "/" every read is confined to it (see
// sysfsattr.Confine); dst is written through os.Root, so no name read
// from src can make Copy write outside dst.
func Copy(ctx context.Context, src, dst string, reads []Read, red *Redactor, lim Limits) (Report, error) {
	src = filepath.Clean(src)
	if src != "/" {
		release, err := sysfsattr.Confine(src)
		if err != nil {
			return Report{}, fmt.Errorf("capture %s: %w", src, err)
		}
		defer release()
	}
	out, err := os.OpenRoot(dst)
	if err != nil {
		return Report{}, fmt.Errorf("capture into %s: %w", dst, err)
	}
	defer out.Close()
	c := &copier{ctx: ctx, src: src, out: out, lim: lim, files: map[string]Secret{},
		made: map[string]bool{}, resolved: map[string]resolved{}, listed: map[string]listing{}}
	for _, r := range reads {
		alts, err := compile(r.Path)
		if err != nil {
			return Report{}, err
		}
		for _, elems := range alts {
			c.visit(elems, 0, "", fs.ModeDir, r.Secret, 0)
			if c.err != nil {
				return c.rep, c.err
			}
		}
	}
	names := make([]string, 0, len(c.files))
	for p := range c.files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if err := c.copyFile(p, c.files[p], red); err != nil {
			return c.rep, err
		}
	}
	return c.rep, nil
}

type listing struct {
	ents []sysfsattr.DirEntry
	err  error
}

type resolved struct {
	real string
	typ  fs.FileMode
	err  error
}

type copier struct {
	ctx context.Context
	src string
	out *os.Root
	lim Limits
	rep Report
	err error // the error that stops the copy: a limit, ctx, or dst

	files    map[string]Secret   // files to copy, by real path
	made     map[string]bool     // paths written: links and folders
	resolved map[string]resolved // steps already taken, by path
	// listed are the folders listed, by path: the patterns of one
	// collector walk the same folders ("**" the whole device tree).
	listed map[string]listing
}

// abs is rel's path in the source tree.
func (c *copier) abs(rel string) string {
	if rel == "" {
		return c.src
	}
	if c.src == "/" {
		return "/" + rel
	}
	return c.src + "/" + rel
}

// visit matches elems[i:] below the folder cur (a real path: no link in
// it), whose type is typ.
func (c *copier) visit(elems []string, i int, cur string, typ fs.FileMode, secret Secret, depth int) {
	if c.err != nil {
		return
	}
	if i == len(elems) {
		c.take(cur, typ, secret)
		return
	}
	if typ != fs.ModeDir {
		return
	}
	e := elems[i]
	switch {
	case e == "**":
		c.visit(elems, i+1, cur, typ, secret, depth)
		if depth >= maxDepth {
			return
		}
		for _, ent := range c.list(cur, false) {
			if ent.Type == fs.ModeDir {
				c.visit(elems, i, path.Join(cur, ent.Name), fs.ModeDir, secret, depth+1)
			}
		}
	case hasMeta(e):
		// A folder a "**" reached is not listed by the collector but
		// walked through: only a folder named by the pattern is kept.
		keep := i == 0 || elems[i-1] != "**"
		for _, ent := range c.list(cur, keep) {
			if ok, _ := path.Match(e, ent.Name); ok {
				if r := c.step(cur, ent.Name, 0); r.err == nil {
					c.visit(elems, i+1, r.real, r.typ, secret, depth)
				}
			}
		}
	default:
		if r := c.step(cur, e, 0); r.err == nil {
			c.visit(elems, i+1, r.real, r.typ, secret, depth)
		}
	}
}

// list lists the folder dir; keep copies the folder itself, so that the
// copy lists the same way (an empty class folder stays empty, not
// absent).
func (c *copier) list(dir string, keep bool) []sysfsattr.DirEntry {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return nil
	}
	l, ok := c.listed[dir]
	if !ok {
		l.ents, l.err = sysfsattr.ReadDir(c.abs(dir))
		if l.err != nil {
			c.unreadable(dir, l.err)
		}
		c.listed[dir] = l
	}
	if l.err != nil {
		return nil
	}
	ents := l.ents
	if keep {
		c.mkdir(dir)
	}
	return ents
}

// step resolves name in the real folder dir: a link is copied and
// followed, wherever it leads inside the tree.
func (c *copier) step(dir, name string, hops int) resolved {
	p := path.Join(dir, name)
	if r, ok := c.resolved[p]; ok {
		return r
	}
	var r resolved
	target, err := sysfsattr.Readlink(c.abs(p))
	switch {
	case err == nil:
		c.link(p, target)
		next := strings.TrimPrefix(path.Clean("/"+dir+"/"+target), "/")
		if path.IsAbs(target) {
			next = strings.TrimPrefix(path.Clean(target), "/")
		}
		r = c.resolve(next, hops+1)
	case errors.Is(err, syscall.EINVAL): // not a link
		r.real = p
		r.typ, r.err = sysfsattr.Stat(c.abs(p))
	default:
		r.err = err
	}
	if r.err != nil && !errors.Is(r.err, fs.ErrNotExist) {
		c.unreadable(p, r.err)
	}
	c.resolved[p] = r
	return r
}

// resolve resolves a path relative to the root element by element.
func (c *copier) resolve(rel string, hops int) resolved {
	if hops > maxHops {
		return resolved{err: &fs.PathError{Op: "resolve", Path: rel, Err: syscall.ELOOP}}
	}
	r := resolved{typ: fs.ModeDir}
	if rel == "" || rel == "." {
		return r
	}
	for _, e := range strings.Split(rel, "/") {
		switch {
		case e == "" || e == ".":
			continue
		case e == "..":
			r.real = strings.TrimPrefix(path.Dir("/"+r.real), "/")
			continue
		case r.typ != fs.ModeDir:
			return resolved{err: &fs.PathError{Op: "resolve", Path: rel, Err: syscall.ENOTDIR}}
		}
		if r = c.step(r.real, e, hops); r.err != nil {
			return r
		}
	}
	return r
}

// take records a path a pattern ends at: a file to copy, or a folder.
func (c *copier) take(p string, typ fs.FileMode, secret Secret) {
	switch typ {
	case fs.ModeDir:
		c.mkdir(p)
	case 0:
		if have, ok := c.files[p]; !ok || secret > have {
			if !ok && c.count() {
				return
			}
			c.files[p] = secret
		}
	default:
		c.unreadable(p, fmt.Errorf("not a regular file (%v)", typ))
	}
}

// count counts one more entry, and stops the copy past the limit.
func (c *copier) count() (stop bool) {
	if c.rep.Files+c.rep.Links+c.rep.Folders+len(c.files) >= c.lim.Entries {
		c.err = fmt.Errorf("capture: more than %d files, links and folders", c.lim.Entries)
		return true
	}
	return false
}

func (c *copier) mkdir(p string) {
	if p == "" || c.made[p] || c.count() {
		return
	}
	if err := c.out.MkdirAll(p, 0o755); err != nil {
		c.err = fmt.Errorf("capture: %w", err)
		return
	}
	c.made[p] = true
	c.rep.Folders++
}

func (c *copier) link(p, target string) {
	if c.made[p] || c.count() {
		return
	}
	if err := c.out.MkdirAll(path.Dir(p), 0o755); err != nil {
		c.err = fmt.Errorf("capture: %w", err)
		return
	}
	if err := c.out.Symlink(target, p); err != nil {
		c.err = fmt.Errorf("capture: %w", err)
		return
	}
	c.made[p] = true
	c.rep.Links++
}

func (c *copier) copyFile(p string, secret Secret, red *Redactor) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	data, err := sysfsattr.ReadFile(c.abs(p), c.lim.FileBytes)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.unreadable(p, err)
		}
		return nil
	}
	if c.rep.Bytes+int64(len(data)) > c.lim.Bytes {
		return fmt.Errorf("capture: more than %d bytes", c.lim.Bytes)
	}
	if red != nil && secret != NoSecret {
		data = red.File(secret, data)
	}
	if err := c.out.MkdirAll(path.Dir(p), 0o755); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := c.out.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	c.rep.Files++
	c.rep.Bytes += int64(len(data))
	return nil
}

func (c *copier) unreadable(p string, err error) {
	if c.rep.Unreadable == nil {
		c.rep.Unreadable = map[string]string{}
	}
	msg := err.Error()
	if c.src != "/" {
		// The source's own path says nothing the relative one does not.
		msg = strings.ReplaceAll(msg, c.src+"/", "")
	}
	c.rep.Unreadable[p] = msg
}
