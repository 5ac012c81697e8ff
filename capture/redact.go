package capture

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/hwgraph/hwgraph/dmi"
)

// Redactor replaces identifying values by placeholders. The same value
// always gets the same placeholder, within one Redactor, so that a
// controller's serial in its own folder and in its subsystem's, or a
// MAC address in two places, still match after redaction, and IDs built
// from them still join.
type Redactor struct {
	mu     sync.Mutex
	values map[string]string // placeholder by kind and value
	counts map[string]int    // placeholders given, by kind
}

// NewRedactor returns a Redactor with no values seen.
func NewRedactor() *Redactor {
	return &Redactor{values: map[string]string{}, counts: map[string]int{}}
}

// Replaced is how many distinct values were replaced.
func (r *Redactor) Replaced() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.values)
}

// placeholder returns v's placeholder of kind, making it with make(n)
// for the kind's n-th value.
func (r *Redactor) placeholder(kind, v string, make func(n int) string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := kind + "\x00" + v
	if p, ok := r.values[key]; ok {
		return p
	}
	r.counts[kind]++
	p := make(r.counts[kind])
	r.values[key] = p
	return p
}

// Filler reports whether a serial-like value identifies nothing: what
// firmware writes where it has no value ("To Be Filled By O.E.M."),
// repeats of one character, or fewer than four. Replacing those would
// hide that the field is empty.
func Filler(v string) bool {
	v = strings.TrimSpace(v)
	return len(v) < 4 || dmi.Placeholder(v) || strings.Trim(v, v[:1]) == ""
}

// Text replaces a serial number, asset tag or NQN by "X" and a number, of
// the same length (SMBIOS keeps strings in place). White space around it
// is kept; fillers are returned as they are.
func (r *Redactor) Text(v string) string {
	core := strings.TrimSpace(v)
	if Filler(core) {
		return v
	}
	p := r.placeholder("text", core, func(n int) string { return fmt.Sprintf("X%0*d", len(core)-1, n) })
	return strings.Replace(v, core, p, 1)
}

// Hex replaces a hexadecimal identifier — a MAC address, a GUID, a UUID
// with or without a prefix ("GPU-…") — by one of the same shape: every
// hexadecimal digit is zero but for a number at the end. Identifiers that
// are all zeros or all ones (no address) are kept.
func (r *Redactor) Hex(v string) string {
	core := strings.TrimSpace(v)
	var at []int // where the digits are
	notZero, notOnes := false, false
	for i := 0; i < len(core); i++ {
		if isHex(core[i]) && hexPrefixEnded(core, i) {
			at = append(at, i)
			c := core[i] | 0x20
			notZero, notOnes = notZero || c != '0', notOnes || c != 'f'
		}
	}
	if len(at) < 4 || !notZero || !notOnes {
		return v
	}
	p := r.placeholder("hex", strings.ToLower(core), func(n int) string {
		out := []byte(core)
		for _, i := range at {
			out[i] = '0'
		}
		num := fmt.Sprintf("%x", n)
		for k := 0; k < len(num) && k < len(at); k++ {
			out[at[len(at)-1-k]] = num[len(num)-1-k]
		}
		return string(out)
	})
	return strings.Replace(v, core, p, 1)
}

// hexPrefixEnded reports whether the byte at i is past a word prefix such
// as NVML's "GPU-": letters of such a prefix are not digits to replace.
func hexPrefixEnded(s string, i int) bool {
	dash := strings.IndexByte(s, '-')
	if dash <= 0 || dash > 4 {
		return true
	}
	for j := 0; j < dash; j++ {
		if c := s[j] | 0x20; c < 'a' || c > 'z' {
			return true // "0000-…": a number, not a prefix
		}
	}
	return i > dash
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// Host replaces a host name or BMC address.
func (r *Redactor) Host(v string) string {
	core := strings.TrimSpace(v)
	if core == "" || core == "localhost" || core == "(none)" {
		return v
	}
	p := r.placeholder("host", core, func(n int) string { return fmt.Sprintf("redacted-host-%d", n) })
	return strings.Replace(v, core, p, 1)
}

// Transport replaces the WWNs and IP addresses of an NVMe transport
// address ("nn-0x…:pn-0x…", "traddr=10.0.0.1,trsvcid=4420"); a PCI
// address is kept.
func (r *Redactor) Transport(v string) string {
	core := strings.TrimSpace(v)
	if strings.HasPrefix(core, "nn-") {
		return r.Hex(v)
	}
	if !strings.Contains(core, "traddr=") {
		return v
	}
	fields := strings.Split(core, ",")
	for i, f := range fields {
		if k, addr, ok := strings.Cut(f, "="); ok && (k == "traddr" || k == "host_traddr") {
			fields[i] = k + "=" + r.Host(addr)
		}
	}
	return strings.Replace(v, core, strings.Join(fields, ","), 1)
}

// vpd replaces the text of a VPD page: the page's length is in byte 3,
// NULs pad it (SPC-5 7.7.18).
func (r *Redactor) vpd(page []byte) []byte {
	if len(page) <= 4 {
		return page
	}
	out := bytes.Clone(page)
	text := out[4 : 4+min(int(page[3]), len(page)-4)]
	text = bytes.TrimRight(text, "\x00")
	copy(text, r.Text(string(text)))
	return out
}

// WWN replaces a SCSI name designator: the hexadecimal digits of an NAA
// or EUI-64 name, the text of a T10 vendor ID (which ends in the serial).
// The designator's type is kept.
func (r *Redactor) WWN(v string) string {
	core := strings.TrimSpace(v)
	typ, name, ok := strings.Cut(core, ".")
	if !ok || len(typ) != 3 {
		return r.Text(v)
	}
	if typ == "t10" {
		name = r.Text(name)
	} else {
		name = r.Hex(name)
	}
	return strings.Replace(v, core, typ+"."+name, 1)
}

// UUID replaces a binary UUID (SMBIOS' system UUID); all zeros and all
// ones (none set) are kept.
func (r *Redactor) UUID(u [16]byte) [16]byte {
	if u == [16]byte{} || bytes.Equal(u[:], bytes.Repeat([]byte{0xff}, 16)) {
		return u
	}
	p := r.placeholder("uuid", string(u[:]), func(n int) string {
		var out [16]byte
		out[12], out[13], out[14], out[15] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return string(out[:])
	})
	var out [16]byte
	copy(out[:], p)
	return out
}

// File redacts a file's contents that hold secret.
func (r *Redactor) File(secret Secret, data []byte) []byte {
	switch secret {
	case Serial:
		return []byte(r.Text(string(data)))
	case HexID:
		return []byte(r.Hex(string(data)))
	case Hostname:
		return []byte(r.Host(string(data)))
	case Transport:
		return []byte(r.Transport(string(data)))
	case SMBIOS:
		out := bytes.Clone(data)
		dmi.Redact(out, r.Text, r.UUID)
		return out
	case WWN:
		return []byte(r.WWN(string(data)))
	case VPD:
		return r.vpd(data)
	}
	return data
}
