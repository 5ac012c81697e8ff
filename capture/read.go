package capture

import (
	"fmt"
	"path"
	"strings"
)

// Read is a file or folder a collector reads, as a pattern of its path
// below the root: "sys/class/net/*/address". Each element is a path.Match
// pattern; "{a,b}" gives alternatives; "**" stands for any number of
// folders, never entered through a link (sysfs is full of link loops). A
// path that ends at a folder captures the folder itself (its existence is
// what is read), not its contents.
type Read struct {
	Path string
	// Secret says what identifying value the file holds, for --redact.
	Secret Secret
}

// Secret is the kind of identifying value a file holds.
type Secret uint8

const (
	// NoSecret: nothing that identifies a machine.
	NoSecret Secret = iota
	// Serial is a serial number, asset tag or NQN: text replaced by
	// text of the same length.
	Serial
	// HexID is a MAC address, GUID or UUID in hexadecimal: its digits
	// are replaced, its separators kept.
	HexID
	// Hostname is the machine's name.
	Hostname
	// Transport is an NVMe controller's transport address: the WWNs of
	// Fibre Channel and the IP addresses of TCP and RDMA are replaced; a
	// PCI address is kept, since it joins the controller to its function.
	Transport
	// SMBIOS is the firmware's SMBIOS structure table, or one structure
	// of it (sysfs' entries/T-N/raw): its serial numbers, asset tags,
	// UUID and OEM strings are replaced in place.
	SMBIOS
	// WWN is a SCSI name designator ("naa.5000c500a1b2c3d4",
	// "t10.ATA     QEMU HARDDISK     QM00001"): what follows its type
	// is replaced, the type kept so that the value still reads as one.
	WWN
	// VPD is a SCSI VPD page of text (page 80h, the unit serial number):
	// the text after its 4-byte header is replaced, the header kept.
	VPD
)

// Files declares files that hold secret.
func Files(secret Secret, patterns ...string) []Read {
	out := make([]Read, len(patterns))
	for i, p := range patterns {
		out[i] = Read{Path: p, Secret: secret}
	}
	return out
}

// Paths declares files and folders that identify nothing.
func Paths(patterns ...string) []Read { return Files(NoSecret, patterns...) }

// Under prefixes each name with dir: Under("sys/class/nvme/nvme*", "model",
// "serial") is sys/class/nvme/nvme*/model and …/serial.
func Under(dir string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = dir + "/" + n
	}
	return out
}

// compile splits a pattern into its elements, one pattern for each
// alternative of its braces, and checks each element.
func compile(pattern string) ([][]string, error) {
	if pattern == "" || strings.HasPrefix(pattern, "/") || path.Clean(pattern) != pattern {
		return nil, fmt.Errorf("capture pattern %q: want a clean path relative to the root", pattern)
	}
	var out [][]string
	for _, p := range expandBraces(pattern) {
		elems := strings.Split(p, "/")
		for _, e := range elems {
			if e == ".." {
				return nil, fmt.Errorf("capture pattern %q: .. is not allowed", pattern)
			}
			if _, err := path.Match(e, ""); err != nil {
				return nil, fmt.Errorf("capture pattern %q: %w", pattern, err)
			}
		}
		out = append(out, elems)
	}
	return out, nil
}

// expandBraces returns every alternative of the first {…} group in s,
// each expanded in turn: "a{b,c}d" is "abd" and "acd". Groups do not
// nest.
func expandBraces(s string) []string {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return []string{s}
	}
	end := strings.IndexByte(s[open:], '}')
	if end < 0 {
		return []string{s}
	}
	end += open
	var out []string
	for _, alt := range strings.Split(s[open+1:end], ",") {
		out = append(out, expandBraces(s[:open]+alt+s[end+1:])...)
	}
	return out
}

// hasMeta reports whether a pattern element needs matching rather than
// naming one entry.
func hasMeta(elem string) bool { return strings.ContainsAny(elem, `*?[\`) }
