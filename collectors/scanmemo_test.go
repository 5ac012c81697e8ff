package collectors

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestSMBIOSTablesReadOncePerScan: within one scan the memory and smbios
// collectors get the same decoded tables; a new scan reads them anew.
func TestSMBIOSTablesReadOncePerScan(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	scan1 := Env{Root: root, memo: &scanMemo{}}
	a, err := scan1.smbiosTables()
	if err != nil || len(a.Info.Tables) == 0 {
		t.Fatalf("tables %v, %v", a, err)
	}
	if b, _ := scan1.smbiosTables(); b != a {
		t.Error("the second collector of a scan read the tables again")
	}
	scan2 := Env{Root: root, memo: &scanMemo{}}
	if c, _ := scan2.smbiosTables(); c == a || len(c.Info.Tables) != len(a.Info.Tables) {
		t.Error("a new scan reused the last scan's tables")
	}
}

// TestCPUsReadOncePerScan: the numa, smbios and memory collectors of one
// scan share one reading of the CPUs' topology (the 32em64t capture's 2
// packages); a new scan reads it anew.
func TestCPUsReadOncePerScan(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	scan1 := Env{Root: root, memo: &scanMemo{}}
	a, err := scan1.cpus()
	if err != nil || len(a.Packages) != 2 {
		t.Fatalf("cpus %+v, %v", a, err)
	}
	if b, _ := scan1.cpus(); &b.Packages[0] != &a.Packages[0] {
		t.Error("the second collector of a scan read the CPUs again")
	}
	scan2 := Env{Root: root, memo: &scanMemo{}}
	if c, _ := scan2.cpus(); &c.Packages[0] == &a.Packages[0] || len(c.Packages) != 2 {
		t.Error("a new scan reused the last scan's CPUs")
	}
}
