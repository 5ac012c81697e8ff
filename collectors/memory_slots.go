//go:build linux

package collectors

import (
	"fmt"

	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/topology"
)

// slotIDs gives every type-17 record its DIMM ID: dimm: + the normalised
// locator, or, where firmware repeats a locator (the Satellite Pro L70
// has two "DIMM1" records in banks 1 and 2), the normalised bank and
// locator; the handle breaks what is still a tie.
func slotIDs(mds []dmi.MemoryDevice) []slot {
	count := map[string]int{}
	for _, m := range mds {
		count[topology.NormalizeLocator(m.Locator)]++
	}
	out := make([]slot, len(mds))
	seen := map[string]bool{}
	for i, m := range mds {
		key := topology.NormalizeLocator(m.Locator)
		if key == "" {
			key = fmt.Sprintf("HANDLE-%04X", m.Handle)
		}
		if count[topology.NormalizeLocator(m.Locator)] > 1 && !dmi.Placeholder(m.BankLocator) {
			key = topology.NormalizeLocator(m.BankLocator + " " + m.Locator)
		}
		if seen[key] {
			key = fmt.Sprintf("%s-%04X", key, m.Handle)
		}
		seen[key] = true
		out[i] = slot{MemoryDevice: m, ID: topology.DIMMID(key)}
	}
	return out
}

// matchSlot finds the populated SMBIOS slot an EDAC DIMM label names.
// After normalising both (topology.NormalizeLocator), the label must equal, for
// exactly one populated slot, one of:
//
//   - the locator ("DIMM_A1"): labels set by edac-ctl from a motherboard
//     labels database, or by drivers that copy the locator;
//   - bank then locator ("NODE 1 DIMM_A1"): how ghes_edac builds its
//     labels from the same SMBIOS records;
//   - locator then bank, the order some vendor label files use.
//
// Nothing else counts: a label that matches no slot, or several, keeps
// its own ID rather than be pinned to a guessed slot, because a wrong
// slot sends a technician to pull a good DIMM.
func matchSlot(label string, slots []slot) (string, bool) {
	want := topology.NormalizeLocator(label)
	if want == "" {
		return "", false
	}
	found := ""
	for _, s := range slots {
		if !s.Populated() {
			continue
		}
		for _, k := range []string{s.Locator, s.BankLocator + " " + s.Locator, s.Locator + " " + s.BankLocator} {
			if topology.NormalizeLocator(k) == want {
				if found != "" && found != s.ID {
					return "", false
				}
				found = s.ID
			}
		}
	}
	return found, found != ""
}
