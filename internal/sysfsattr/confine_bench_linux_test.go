package sysfsattr

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// BenchmarkConfinedWalk reads a whole tree below a confined root, every
// folder listed and every file read, confined the two ways this package
// can: openat2 (one system call a path, the kernel keeping it inside the
// root) and os.Root (one openat a path element, the way kernels before
// 5.6 and capture's writes confine). On the 256ia64 capture (64 NUMA
// nodes, 256 CPUs), and on this machine's /sys/devices/system confined
// at /sys.
func BenchmarkConfinedWalk(b *testing.B) {
	for _, tree := range []struct{ name, root, rel string }{
		{"256ia64", fixture.Root(b, "hwloc/256ia64-64n2s2c.tar.bz2"), "sys"},
		{"live", "/sys", "devices/system"},
	} {
		for _, mode := range []string{"openat2", "os.Root"} {
			b.Run(tree.name+"/"+mode, func(b *testing.B) {
				release, err := Confine(tree.root)
				if err != nil {
					b.Fatal(err)
				}
				defer release()
				if mode == "os.Root" {
					forcePortable(b, tree.root)
				}
				files := 0
				for b.Loop() {
					files = walk(filepath.Join(tree.root, tree.rel), 0)
				}
				b.ReportMetric(float64(files), "files/op")
			})
		}
	}
}

// walk reads every file below dir, following no link; the files read.
func walk(dir string, depth int) int {
	if depth > 12 {
		return 0
	}
	n := 0
	_ = Each(dir, func(name string, typ fs.FileMode) {
		p := dir + "/" + name
		switch typ {
		case fs.ModeDir:
			n += walk(p, depth+1)
		case 0:
			if _, err := ReadFile(p, PageSize); err == nil {
				n++
			}
		}
	})
	return n
}
