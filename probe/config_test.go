package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadConfig: modules with a password or a password file; files that
// are wrong say why, and a typo is an error, not a silent default.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml, err string
	}{
		{"ok", "modules:\n  default:\n    user: admin\n    password_file: " + pass + "\n    targets: [10.0.0.0/8]\n  sim:\n    user: root\n    password: calvin\n    timeout: 3s\n    skip_chassis: true\n    cipher_suite: 3\n    targets: [\"bmc-*.lab\", \"127.0.0.1:9001\"]\n", ""},
		{"no targets", "modules:\n  default:\n    user: a\n    password: x\n", `module "default": no targets: list the BMCs`},
		{"bad CIDR", "modules:\n  default:\n    user: a\n    password: x\n    targets: [10.0.0.0/33]\n", `target "10.0.0.0/33"`},
		{"bad glob", "modules:\n  default:\n    user: a\n    password: x\n    targets: [\"bmc-[\"]\n", "not a CIDR or a host glob"},
		{"typo", "modules:\n  default:\n    user: admin\n    pasword: x\n", "unknown field"},
		{"no modules", "modules: {}\n", "no modules"},
		{"no user", "modules:\n  default:\n    password: x\n", "has no user"},
		{"two passwords", "modules:\n  default:\n    user: a\n    password: x\n    password_file: " + pass + "\n", "one of password and password_file"},
		{"no password", "modules:\n  default:\n    user: a\n", "one of password and password_file"},
		{"missing password file", "modules:\n  default:\n    user: a\n    password_file: " + filepath.Join(dir, "none") + "\n", "no such file"},
		{"bad protocol", "modules:\n  default:\n    user: a\n    password: x\n    protocol: snmp\n    targets: [10.0.0.1]\n", "protocol \"snmp\""},
		{"bad timeout", "modules:\n  default:\n    user: a\n    password: x\n    timeout: soon\n    targets: [10.0.0.1]\n", "soon"},
	} {
		path := filepath.Join(dir, tc.name+".yml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		d, sim := c.Modules["default"], c.Modules["sim"]
		if d.Password != "s3cret" || time.Duration(d.Timeout) != DefaultTimeout || sim.Password != "calvin" ||
			time.Duration(sim.Timeout) != 3*time.Second || !sim.SkipChassis || sim.CipherSuite != 3 {
			t.Errorf("modules %+v", c.Modules)
		}
	}
}
