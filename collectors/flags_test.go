package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kingpin/v2"
)

// TestFlags: the collectors' own flags, declared on a command line from
// their files, set the Options they build from, and refuse what they
// cannot use with the reason.
func TestFlags(t *testing.T) {
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		live  bool
		check func(o Options) bool
		err   string
	}{
		{[]string{"--kmsg", "/var/log/dmesg"}, false, func(o Options) bool { return o.KmsgFile == "/var/log/dmesg" }, ""},
		{[]string{"--bmc", "10.0.0.5", "--bmc-user", "admin", "--bmc-password-file", pass, "--bmc-no-chassis"}, false,
			func(o Options) bool {
				return o.BMC == BMCTarget{Host: "10.0.0.5", User: "admin", Password: "s3cret", SkipChassis: true} && o.Redfish.URL == ""
			}, ""},
		{[]string{"--bmc", "redfish+http://bmc:8000", "--bmc-user", "root", "--bmc-password-file", pass}, false,
			func(o Options) bool {
				return o.BMC.Host == "" && o.Redfish.URL == "http://bmc:8000" && o.Redfish.User == "root" && o.Redfish.Password == "s3cret"
			}, ""},
		{[]string{"--bmc", "10.0.0.5"}, false, nil, "--bmc needs a password"},
		{[]string{"--bmc", "telnet://10.0.0.5", "--bmc-password-file", pass}, false, nil, "want HOST, ipmi://HOST"},
		{[]string{"--i2c-read", "0:0x50"}, false, nil, "--i2c-read: reads the live machine's buses"},
		{[]string{"--i2c-read", "0:0x50"}, true, func(o Options) bool { return o.I2CProber != nil && len(o.I2CProber.Targets) == 1 }, ""},
		{nil, false, func(o Options) bool { return o.KmsgFile == "" && o.BMC.Host == "" && o.I2CProber == nil }, ""},
	} {
		app := kingpin.New("test", "")
		flags := AddFlags(app)
		if _, err := app.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		var o Options
		err := flags.Apply(&o, tc.live)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.err)
		case tc.err == "" && (err != nil || !tc.check(o)):
			t.Errorf("%v: %+v, %v", tc.args, o, err)
		}
	}
	if err := (*FlagSet)(nil).Apply(&Options{}, true); err != nil {
		t.Errorf("a nil FlagSet: %v", err)
	}
}
