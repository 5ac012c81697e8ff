package sysfsattr

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Index parses the number of a sysfs name made of a prefix and a decimal
// index: Index("node12", "node") is 12. The index is digits only, as the
// kernel writes it ("node+1" is no node).
func Index(name, prefix string) (int, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok || s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false // too large
	}
	return n, true
}

// Entry is one numbered folder.
type Entry struct {
	N    int
	Path string
}

// Numbered lists the entries of dir named prefix+N, in numeric order
// (node8 before node250, which a directory listing does not promise).
func Numbered(dir, prefix string) ([]Entry, error) {
	var out []Entry
	err := Each(dir, func(name string, _ fs.FileMode) {
		if n, ok := Index(name, prefix); ok {
			out = append(out, Entry{N: n, Path: filepath.Join(dir, name)})
		}
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	return out, nil
}
