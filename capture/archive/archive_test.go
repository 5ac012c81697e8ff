package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/capture/archive"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// entry is one tar entry of a crafted archive.
type entry struct {
	name, link, body string
	typ              byte
}

func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUnpackHostileArchives: an archive from a bug report cannot write
// outside the folder it is unpacked into, by name or through links it
// made, nor fill the disk.
func TestUnpackHostileArchives(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []entry
		lim     archive.Limits
		wantErr string
	}{
		{"dot-dot name", []entry{{name: "../escaped", body: "x", typ: tar.TypeReg}}, archive.DefaultLimits, "leaves the archive's folder"},
		{"absolute name", []entry{{name: "/escaped", body: "x", typ: tar.TypeReg}}, archive.DefaultLimits, "leaves the archive's folder"},
		{"link out, then a file through it", []entry{
			{name: "sys/out", link: "../..", typ: tar.TypeSymlink},
			{name: "sys/out/escaped", body: "x", typ: tar.TypeReg},
		}, archive.DefaultLimits, "escapes"},
		{"links that resolve lower than they read", []entry{
			{name: "a/b/s", link: "../..", typ: tar.TypeSymlink},
			{name: "a/b/s/l", link: "../../x", typ: tar.TypeSymlink},
			{name: "a/b/s/l/escaped", body: "x", typ: tar.TypeReg},
		}, archive.DefaultLimits, "escapes"},
		{"too many bytes", []entry{{name: "sys/big", body: strings.Repeat("x", 2000), typ: tar.TypeReg}},
			archive.Limits{Entries: 10, Bytes: 1000}, "more than 1000 bytes"},
		{"too many entries", []entry{{name: "a", typ: tar.TypeDir}, {name: "b", typ: tar.TypeDir}, {name: "c", typ: tar.TypeDir}},
			archive.Limits{Entries: 2, Bytes: 1000}, "more than 2 entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outside := t.TempDir()
			dst := filepath.Join(outside, "dst", "in")
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			err := archive.Unpack(bytes.NewReader(tarOf(t, tc.entries...)), dst, tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			filepath.WalkDir(outside, func(p string, d os.DirEntry, _ error) error {
				if d != nil && d.Name() == "escaped" && !strings.HasPrefix(p, dst+"/") {
					t.Errorf("%s written outside %s", p, dst)
				}
				return nil
			})
		})
	}
}

// TestUnpackFormats: hwloc's bzip2 archives with their machine's folder,
// ghw's gzip snapshots and a plain tar all open as a root.
func TestUnpackFormats(t *testing.T) {
	plain := filepath.Join(t.TempDir(), "plain.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "m/proc/cpuinfo", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
	tw.Write([]byte("x\n"))
	tw.Close()
	if err := os.WriteFile(plain, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{
		fixture.Path(t, "hwloc/16amd64-8n2c.tar.bz2"),
		fixture.Path(t, "ghw/linux-amd64-accel-nvidia.tar.gz"),
		plain,
	} {
		root, done, err := archive.Open(file)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
			continue
		}
		_, sys := os.Stat(filepath.Join(root, "sys"))
		if _, proc := os.Stat(filepath.Join(root, "proc")); sys != nil && proc != nil {
			t.Errorf("%s: root %s holds neither sys/ nor proc/", filepath.Base(file), root)
		}
		done()
		if _, err := os.Stat(root); !os.IsNotExist(err) {
			t.Errorf("%s: %s still there after done: %v", filepath.Base(file), root, err)
		}
	}
}

// FuzzUnpack: any bytes as an archive are unpacked or refused, never
// with a panic, and nothing is written outside the folder.
func FuzzUnpack(f *testing.F) {
	for _, file := range []string{"hwgraph/firecracker-vm.tar.gz", "hwloc/16amd64-8n2c.tar.bz2"} {
		b, err := os.ReadFile(fixture.Path(f, file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(tarOf(f, entry{name: "a/b/s", link: "../..", typ: tar.TypeSymlink},
		entry{name: "a/b/s/l", link: "../../x", typ: tar.TypeSymlink}, entry{name: "a/b/s/l/escaped", body: "x", typ: tar.TypeReg}))
	f.Fuzz(func(t *testing.T, b []byte) {
		outside := t.TempDir()
		dst := filepath.Join(outside, "a", "b", "in")
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		archive.Unpack(bytes.NewReader(b), dst, archive.Limits{Entries: 2000, Bytes: 1 << 20})
		filepath.WalkDir(outside, func(p string, d os.DirEntry, _ error) error {
			if p != outside && !strings.HasPrefix(dst, p) && !strings.HasPrefix(p, dst+"/") {
				t.Errorf("%s written outside %s", p, dst)
			}
			return nil
		})
	})
}
