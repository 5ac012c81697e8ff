package dmi

// Redaction of SMBIOS tables, for captures attached to public bug
// reports. The replacement is done in place, with values of the same
// length, so that the entry point's table length and every structure's
// offsets stay right and the table still parses.

// secretStrings are, by structure type, the offsets of the string fields
// that identify one machine or part (SMBIOS 3.7: serial numbers and
// asset tags).
var secretStrings = map[byte][]int{
	1:  {0x07},       // system: serial number
	2:  {0x07, 0x08}, // baseboard: serial number, asset tag
	3:  {0x07, 0x08}, // chassis: serial number, asset tag
	4:  {0x20, 0x21}, // processor: serial number, asset tag
	17: {0x18, 0x19}, // memory device: serial number, asset tag
	22: {0x07},       // portable battery: serial number
	39: {0x08, 0x09}, // power supply: serial number, asset tag
	11: nil, 12: nil, // OEM strings, configuration options: all their strings
}

// uuidOffset is where the system structure (type 1) keeps its UUID.
const uuidOffset = 0x08

// Redact replaces, in place, the identifying values of an SMBIOS
// structure table (sysfs' DMI file, or one entries/T-N/raw record): the
// strings of secretStrings are given to text, whose answer is cut or
// padded to the same length, and the system UUID to uuid. A damaged
// table is redacted up to the damage; what follows it is cleared, since
// it cannot be told apart.
func Redact(table []byte, text func(string) string, uuid func([16]byte) [16]byte) {
	off := 0
	for off+4 <= len(table) {
		typ, l := table[off], int(table[off+1])
		if l < 4 || off+l > len(table) {
			clear(table[off:])
			return
		}
		strs, next, ok := stringSet(table, off+l)
		if !ok {
			clear(table[off:])
			return
		}
		fields, secret := secretStrings[typ]
		switch {
		case !secret:
		case fields == nil: // every string
			for _, s := range strs {
				replaceSame(s, text)
			}
		default:
			for _, f := range fields {
				if f < l {
					if i := int(table[off+f]); i >= 1 && i <= len(strs) {
						replaceSame(strs[i-1], text)
					}
				}
			}
		}
		if typ == 1 && l >= uuidOffset+16 {
			var u [16]byte
			copy(u[:], table[off+uuidOffset:])
			u = uuid(u)
			copy(table[off+uuidOffset:], u[:])
		}
		if typ == 127 { // end of table
			return
		}
		off = next
	}
}

// stringSet returns the strings of the structure whose strings start at
// s (slices of table), and where the next structure starts.
func stringSet(table []byte, s int) (strs [][]byte, next int, ok bool) {
	if s+1 < len(table) && table[s] == 0 && table[s+1] == 0 {
		return nil, s + 2, true
	}
	start := s
	for i := s; i < len(table); i++ {
		if table[i] != 0 {
			continue
		}
		if i == start { // the second NUL of the pair
			return strs, i + 1, true
		}
		strs = append(strs, table[start:i])
		start = i + 1
	}
	return nil, 0, false
}

// replaceSame overwrites s with text's answer, cut or padded with 'X' to
// s's length; a NUL in the answer would end the string early, so it is
// replaced too.
func replaceSame(s []byte, text func(string) string) {
	r := text(string(s))
	for i := range s {
		c := byte('X')
		if i < len(r) && r[i] != 0 {
			c = r[i]
		}
		s[i] = c
	}
}
