package main

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/common/version"
)

// TestVersionOnEverySubcommand: each subcommand answers --version with the
// build information, exit 0, before doing anything else (serve does not
// start listening, cluster does not ask for agents).
func TestVersionOnEverySubcommand(t *testing.T) {
	for _, args := range [][]string{
		{"--version"},
		{"serve", "--version"},
		{"watch", "--version"},
		{"baseline", "--version"},
		{"baseline", "accept", "--version"},
		{"events", "--version"},
		{"diff", "--version"},
		{"cluster", "--version"},
		{"cluster", "serve", "--version"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errs := hwgraph(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, want := range []string{"hwgraph, version " + version.Version, "revision: " + version.GetRevision(), "go version:"} {
				if !strings.Contains(out, want) {
					t.Errorf("%q lacks %q", out, want)
				}
			}
		})
	}
}

// TestFillVersion: -ldflags wins; otherwise the module's version, with
// "devel" for a checkout built without VCS stamping.
func TestFillVersion(t *testing.T) {
	saved := version.Version
	t.Cleanup(func() { version.Version = saved })
	for _, tc := range []struct {
		name, ldflags, module string
		ok                    bool
		want                  string
	}{
		{"stamped by make", "0.1.0", "v0.0.0-20261201000000-abcdef", true, "0.1.0"},
		{"go install @v0.2.0", "", "v0.2.0", true, "0.2.0"},
		{"pseudo-version of a checkout", "", "v0.0.0-20261201000000-abcdef123456", true, "0.0.0-20261201000000-abcdef123456"},
		{"checkout without VCS stamping", "", "(devel)", true, "devel"},
		{"no build information", "", "", false, "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			version.Version = tc.ldflags
			fillVersion(&debug.BuildInfo{Main: debug.Module{Version: tc.module}}, tc.ok)
			if version.Version != tc.want {
				t.Errorf("version %q, want %q", version.Version, tc.want)
			}
		})
	}
}

// TestPlainBuildReportsRevision: a plain `go build` of a git checkout,
// with nothing stamped, reports the commit it was built from.
func TestPlainBuildReportsRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	top, err := exec.Command(git, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not a git checkout (a source archive): nothing to report")
	}
	head, err := exec.Command(git, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "hwgraph")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Dir = filepath.Join(strings.TrimSpace(string(top)), "cmd", "hwgraph")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "revision: " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("%s lacks %q", out, want)
	}
	if strings.Contains(string(out), "version devel ") {
		t.Errorf("no version from the build information:\n%s", out)
	}
}
