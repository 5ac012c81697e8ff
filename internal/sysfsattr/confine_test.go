package sysfsattr

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hostileTree makes a tree whose links lead out of it (a fault made on
// purpose: what an attacker's capture would hold) beside a secret.
func hostileTree(t *testing.T) (root, secret string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "root")
	secret = filepath.Join(base, "secret")
	for p, content := range map[string]string{secret: "SECRET\n", filepath.Join(root, "a", "file"): "inside\n",
		filepath.Join(base, "outdir", "vendor"): "SECRET\n"} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for at, target := range map[string]string{
		"abs":     secret,                               // absolute, out
		"rel":     "../secret",                          // relative, one step out
		"deep":    "a/../../../../secret",               // relative, through a folder, out
		"outdir":  filepath.Join(base, "outdir"),        // a folder out
		"inside":  "a/file",                             // relative, in
		"absin":   "/a/file",                            // absolute, meant inside the capture
		"a/up":    "../a/file",                          // from a folder, in
		"environ": "/proc/self/environ",                 // the process's secrets
		"loop":    "loop",                               // a loop
		"chain":   "inside",                             // a link to a link
		"a/deep2": strings.Repeat("../", 10) + "a/file", // climbs past the root, lands inside
	} {
		if err := os.Symlink(target, filepath.Join(root, at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, secret
}

// TestConfine: below a confined root every link resolves inside it, as
// if it were "/", and only regular files are read — with openat2, and
// with the portable resolution kernels before 5.6 get.
func TestConfine(t *testing.T) {
	for _, mode := range []string{"openat2", "portable"} {
		t.Run(mode, func(t *testing.T) {
			root, secret := hostileTree(t)
			release, err := Confine(root)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if mode == "portable" {
				forcePortable(t, root)
			}
			for name, want := range map[string]string{"inside": "inside", "absin": "inside", "a/up": "inside", "chain": "inside",
				"a/deep2": "inside", "a/file": "inside"} {
				if got, err := Read(filepath.Join(root, name)); got != want || err != nil {
					t.Errorf("%s: %q, %v; want %q", name, got, err, want)
				}
			}
			for _, name := range []string{"abs", "rel", "deep", "environ", "outdir/vendor"} {
				got, err := Read(filepath.Join(root, name))
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: %q, %v; want not found inside the root", name, got, err)
				}
			}
			if _, err := Read(filepath.Join(root, "loop")); err == nil {
				t.Error("a link loop read")
			}
			if _, err := Read(filepath.Join(root, "fifo")); !IsNotRegular(err) {
				t.Errorf("fifo: %v, want not a regular file", err)
			}
			if err := Each(filepath.Join(root, "outdir"), func(string, fs.FileMode) {}); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("listing a folder out: %v", err)
			}
			if b, err := ReadFile(filepath.Join(root, "abs"), 100); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadFile out: %q, %v", b, err)
			}
			real, _ := filepath.EvalSymlinks(root)
			if p, err := RealPath(filepath.Join(root, "chain")); p != filepath.Join(real, "a", "file") || err != nil {
				t.Errorf("RealPath(chain) = %q, %v", p, err)
			}
			if p, err := RealPath(filepath.Join(root, "rel")); err == nil {
				t.Errorf("RealPath(rel) = %q: out of the root", p)
			}
			if target, err := Readlink(filepath.Join(root, "abs")); target != secret || err != nil {
				t.Errorf("Readlink(abs) = %q, %v: a link's text is read as it is", target, err)
			}
			if typ, err := Stat(filepath.Join(root, "outdir")); err == nil {
				t.Errorf("Stat(outdir) = %v: out of the root", typ)
			}
			if !Exists(filepath.Join(root, "absin")) || Exists(filepath.Join(root, "abs")) {
				t.Error("Exists follows links out of the root")
			}
			d, err := OpenDir(root)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if got := d.Str("abs"); got != "" || len(d.Problems) != 0 {
				t.Errorf("Dir.Str(abs) = %q %v", got, d.Problems)
			}
			if got := d.Str("inside"); got != "inside" {
				t.Errorf("Dir.Str(inside) = %q %v", got, d.Problems)
			}
			if d.Str("fifo"); len(d.Problems) != 1 || !IsNotRegular(d.Problems[0]) {
				t.Errorf("Dir.Str(fifo) problems %v", d.Problems)
			}
			if len(d.Problems) > 0 && strings.Contains(d.Problems[0].Error(), "SECRET") {
				t.Error("a problem holds the secret")
			}
		})
	}
}

// TestConfineRelease: confinement nests by root and ends with the last
// release; "/" is never confined.
func TestConfineRelease(t *testing.T) {
	root, _ := hostileTree(t)
	r1, _ := Confine(root)
	r2, _ := Confine(root)
	r1()
	r1() // a second call of one release does nothing
	if _, err := Read(filepath.Join(root, "abs")); err == nil {
		t.Error("confinement ended with one of two holders")
	}
	r2()
	if got, err := Read(filepath.Join(root, "abs")); got != "SECRET" || err != nil {
		t.Errorf("after release: %q, %v (unconfined reads follow links, as for the live machine)", got, err)
	}
	rel, err := Confine("/")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	if r, _ := confinedAt("/etc/hostname"); r != nil {
		t.Error("/ confined")
	}
}

func TestJoinLink(t *testing.T) {
	root, _ := hostileTree(t)
	release, _ := Confine(root)
	defer release()
	for _, tc := range []struct{ link, target, want string }{
		{root + "/sys/bus/pci/devices/0000:01:00.0", "../../../devices/pci0000:00/0000:01:00.0", root + "/sys/devices/pci0000:00/0000:01:00.0"},
		{root + "/sys/bus/pci/devices/x", "../../../../../../../etc", root + "/etc"},
		{root + "/sys/x", "/etc/shadow", root + "/etc/shadow"},
		{"/sys/bus/pci/devices/x", "../../../devices/x", "/sys/devices/x"},
	} {
		if got := JoinLink(tc.link, tc.target); got != tc.want {
			t.Errorf("JoinLink(%q, %q) = %q, want %q", tc.link, tc.target, got, tc.want)
		}
	}
}
