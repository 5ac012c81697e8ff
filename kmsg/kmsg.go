// Package kmsg reads the kernel log (/dev/kmsg records, or dmesg text)
// and recognises the lines that say hardware is in trouble: PCIe AER,
// PCIe hotplug, EDAC memory errors, machine checks, NVIDIA Xids, NVMe
// resets and timeouts, I²C bus timeouts and lockups. Each match names the
// device the line is about; mapping it to a graph component is the
// caller's business.
package kmsg

import (
	"strconv"
	"strings"
	"time"
)

// Record is one kernel log record.
type Record struct {
	Seq      uint64        // /dev/kmsg sequence number (0 for dmesg text)
	Priority int           // syslog priority, 0 (emerg) to 7 (debug); -1 unknown
	Uptime   time.Duration // time since boot
	Text     string
}

// ParseRecord parses a /dev/kmsg record ("6,1234,5678901,-;text"), a
// dmesg line ("[    5.678901] text") or bare text.
func ParseRecord(line string) Record {
	line = strings.TrimRight(line, "\r\n")
	r := Record{Priority: -1, Text: line}
	if head, text, ok := strings.Cut(line, ";"); ok {
		f := strings.Split(head, ",")
		if len(f) >= 3 {
			pri, err1 := strconv.Atoi(f[0])
			seq, err2 := strconv.ParseUint(f[1], 10, 64)
			us, err3 := strconv.ParseInt(f[2], 10, 64)
			if err1 == nil && err2 == nil && err3 == nil {
				return Record{Seq: seq, Priority: pri & 7, Uptime: time.Duration(us) * time.Microsecond, Text: text}
			}
		}
	}
	if strings.HasPrefix(line, "[") {
		if ts, text, ok := strings.Cut(line[1:], "]"); ok {
			if sec, err := strconv.ParseFloat(strings.TrimSpace(ts), 64); err == nil {
				r.Uptime = time.Duration(sec * float64(time.Second))
				r.Text = strings.TrimPrefix(text, " ")
			}
		}
	}
	return r
}
