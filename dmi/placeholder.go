package dmi

import "strings"

// Placeholder reports whether s is one of the strings firmware writes
// instead of a value ("Not Specified", "To Be Filled By O.E.M.", …);
// such values are not shown as facts.
func Placeholder(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "not specified", "unknown", "none", "not available", "n/a", "na",
		"to be filled by o.e.m.", "to be filled by oem", "default string", "system serial number",
		"chassis serial number", "base board serial number", "serial number", "asset tag", "no asset tag",
		"not applicable", "unspecified", "not present",
		"0123456789", "00000000", "0000000000000000", "no dimm", "empty", "<bad index>":
		return true
	}
	return false
}
