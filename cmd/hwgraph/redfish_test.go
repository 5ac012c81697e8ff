package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/rfmockup"
)

// TestBMCOverRedfish: `--bmc redfish+http://HOST` reads DMTF's mockup with
// the password from the environment; `--bmc` with an unknown scheme is a
// usage error.
func TestBMCOverRedfish(t *testing.T) {
	url := rfmockup.Start(t, filepath.Join(fixture.Unpack(t, "redfish/public-rackmount1.tar.gz"), "public-rackmount1"), nil)
	t.Setenv("HWGRAPH_BMC_PASSWORD", rfmockup.Password)
	code, out, errs := hwgraph(t, "--bmc", "redfish+http://"+strings.TrimPrefix(url, "http://"), "--bmc-user", rfmockup.User,
		"--collectors", "redfish", "--format", "json", "--state-dir", "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var g struct {
		Components []struct{ ID, Firmware string }
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range g.Components {
		found = found || c.ID == "bmc:0" && c.Firmware == "1.45.455b66-rev4"
	}
	if !found || strings.Contains(out, rfmockup.Password) || strings.Contains(errs, rfmockup.Password) {
		t.Errorf("bmc:0 with the mockup's firmware: %v; the password printed: %v", found, strings.Contains(out+errs, rfmockup.Password))
	}
	if code, _, errs := hwgraph(t, "--bmc", "snmp://x", "--collectors", "redfish"); code != 2 || !strings.Contains(errs, "redfish://HOST") {
		t.Errorf("unknown scheme: exit %d: %s", code, errs)
	}
}
