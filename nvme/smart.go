package nvme

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// SMARTLogSize is the length of the SMART / Health Information log page
// (log identifier 02h).
const SMARTLogSize = 512

// SMARTLog is the SMART / Health Information log page (NVM Express Base
// Specification 2.0, figure 207): the controller's own account of its
// wear, temperature and errors.
type SMARTLog struct {
	// CriticalWarning holds the warning bits the controller raises
	// (CriticalWarnings names them).
	CriticalWarning uint8
	// TemperatureK is the composite temperature in kelvins; 0 when the
	// controller reports none.
	TemperatureK uint16
	// AvailableSpare and its threshold are percentages of the spare
	// capacity left; PercentageUsed estimates the endurance used, and may
	// pass 100.
	AvailableSpare, SpareThreshold, PercentageUsed uint8
	// The counters are 128-bit in the page; they are kept in 64 bits and
	// saturate there (no drive reaches 2^64 of any of them).
	DataUnitsRead, DataUnitsWritten     uint64 // in 1000 × 512 bytes
	HostReads, HostWrites               uint64
	ControllerBusyMinutes, PowerCycles  uint64
	PowerOnHours, UnsafeShutdowns       uint64
	MediaErrors, ErrorLogEntries        uint64
	WarningTempMinutes, CritTempMinutes uint32
	// SensorsK are the temperature sensors 1–8 that report, in kelvins.
	SensorsK []uint16
}

// The critical warning bits (figure 207, byte 0).
const (
	WarnSpare       = 1 << 0 // available spare below its threshold
	WarnTemperature = 1 << 1 // a temperature past an over or under threshold
	WarnReliability = 1 << 2 // NVM subsystem reliability degraded (media errors, internal errors)
	WarnReadOnly    = 1 << 3 // media placed in read-only mode
	WarnBackup      = 1 << 4 // volatile memory backup device failed
	WarnPMRReadOnly = 1 << 5 // persistent memory region read-only or unreliable
)

// Warning is one critical warning bit and its meaning.
type Warning struct {
	Bit  uint8
	Name string
}

var warnings = []Warning{
	{WarnSpare, "available spare below threshold"},
	{WarnTemperature, "temperature past a threshold"},
	{WarnReliability, "NVM subsystem reliability degraded"},
	{WarnReadOnly, "media placed in read-only mode"},
	{WarnBackup, "volatile memory backup device failed"},
	{WarnPMRReadOnly, "persistent memory region read-only"},
}

// CriticalWarnings are the warning bits that are set.
func (l SMARTLog) CriticalWarnings() []Warning {
	var out []Warning
	for _, w := range warnings {
		if l.CriticalWarning&w.Bit != 0 {
			out = append(out, w)
		}
	}
	if rest := l.CriticalWarning &^ 0x3f; rest != 0 {
		out = append(out, Warning{rest, fmt.Sprintf("reserved warning bits %#02x", rest)})
	}
	return out
}

// TemperatureC is the composite temperature in degrees Celsius; ok is
// false when the controller reports none.
func (l SMARTLog) TemperatureC() (c float64, ok bool) {
	if l.TemperatureK == 0 {
		return 0, false
	}
	// To the hundredth: kelvins are whole, and 318−273.15 in floating
	// point is 44.85000000000002.
	return math.Round((float64(l.TemperatureK)-273.15)*100) / 100, true
}

// ParseSMARTLog decodes a SMART / Health Information log page. A page
// shorter than the specification's 512 bytes is an error: its counters
// would be read from bytes that are not there.
func ParseSMARTLog(b []byte) (SMARTLog, error) {
	if len(b) < SMARTLogSize {
		return SMARTLog{}, fmt.Errorf("nvme smart log: %d bytes, want %d", len(b), SMARTLogSize)
	}
	le := binary.LittleEndian
	u128 := func(off int) uint64 {
		if le.Uint64(b[off+8:]) != 0 {
			return math.MaxUint64
		}
		return le.Uint64(b[off:])
	}
	l := SMARTLog{
		CriticalWarning:       b[0],
		TemperatureK:          le.Uint16(b[1:]),
		AvailableSpare:        b[3],
		SpareThreshold:        b[4],
		PercentageUsed:        b[5],
		DataUnitsRead:         u128(32),
		DataUnitsWritten:      u128(48),
		HostReads:             u128(64),
		HostWrites:            u128(80),
		ControllerBusyMinutes: u128(96),
		PowerCycles:           u128(112),
		PowerOnHours:          u128(128),
		UnsafeShutdowns:       u128(144),
		MediaErrors:           u128(160),
		ErrorLogEntries:       u128(176),
		WarningTempMinutes:    le.Uint32(b[192:]),
		CritTempMinutes:       le.Uint32(b[196:]),
	}
	for i := 0; i < 8; i++ {
		if k := le.Uint16(b[200+2*i:]); k != 0 {
			l.SensorsK = append(l.SensorsK, k)
		}
	}
	return l, nil
}

// String summarises the page for logs.
func (l SMARTLog) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "critical_warning=%#02x spare=%d%%/%d%% used=%d%% media_errors=%d", l.CriticalWarning,
		l.AvailableSpare, l.SpareThreshold, l.PercentageUsed, l.MediaErrors)
	return b.String()
}
