package capture_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// traceReads runs one collector over root and returns every path below
// root it opened, listed, stat'ed or read a link of, relative to root.
func traceReads(t *testing.T, reg *collectors.Registry, root string) []string {
	t.Helper()
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	stop := sysfsattr.Trace(func(p string) {
		for _, prefix := range []string{root, real} {
			if rel, ok := strings.CutPrefix(p, prefix+"/"); ok {
				mu.Lock()
				seen[filepath.Clean(rel)] = true
				mu.Unlock()
				return
			}
		}
	})
	reg.Scan(t.Context(), collectors.Env{Root: root}, nil)
	stop()
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// describe is what a reader finds at rel below root, confined as the
// collectors read: a link's target, a file's contents, a folder, or
// nothing.
func describe(root, rel string) string {
	p := root + "/" + rel
	if target, err := sysfsattr.Readlink(p); err == nil {
		return "link to " + target
	}
	typ, err := sysfsattr.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "nothing"
	case err != nil:
		return "error " + strings.ReplaceAll(err.Error(), root, "ROOT")
	case typ == fs.ModeDir:
		return "a folder"
	case typ != 0:
		return "a " + typ.String()
	}
	b, err := sysfsattr.ReadFile(p, 16<<20)
	if err != nil {
		return "error " + strings.ReplaceAll(err.Error(), root, "ROOT")
	}
	return "file " + sysfsattr.Excerpt(string(b))
}

// TestReadsCovered: whatever a collector reads of a real machine's tree,
// a capture made of that collector's declared Reads alone holds the same:
// the same file contents and link targets, and nothing where the
// original has nothing. A read a collector forgot to declare fails here,
// naming the collector and the path. A folder the capture leaves out is
// allowed when it is only walked through (the I²C collector's search of
// sys/devices): what was read inside it is checked on its own.
func TestReadsCovered(t *testing.T) {
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			root := fixture.Root(t, c)
			all := collectors.New(collectors.Options{})
			for _, name := range all.Names() {
				one, err := all.Select([]string{name})
				if err != nil {
					t.Fatal(err)
				}
				read := traceReads(t, one, root)
				copied := t.TempDir()
				if _, err := capture.Copy(t.Context(), root, copied, one.Reads(), nil, capture.DefaultLimits); err != nil {
					t.Fatalf("%s: copy: %v", name, err)
				}
				releaseA, err := sysfsattr.Confine(root)
				if err != nil {
					t.Fatal(err)
				}
				releaseB, err := sysfsattr.Confine(copied)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range read {
					want, got := describe(root, p), describe(copied, p)
					if want != got && !(want == "a folder" && got == "nothing") {
						t.Errorf("collector %s reads %s: the original has %s, a capture of its Reads %s", name, p, want, got)
					}
				}
				releaseA()
				releaseB()
			}
		})
	}
}
