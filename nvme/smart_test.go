package nvme

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// specPage builds a SMART / Health Information log page at the offsets of
// the NVM Express Base Specification 2.0, figure 207.
func specPage(set func(b []byte)) []byte {
	b := make([]byte, SMARTLogSize)
	set(b)
	return b
}

func TestParseSMARTLog(t *testing.T) {
	le := binary.LittleEndian
	for _, tc := range []struct {
		name    string
		page    []byte
		want    SMARTLog
		warns   []string
		errHas  string
		celsius float64
	}{
		{"a healthy drive", specPage(func(b []byte) {
			le.PutUint16(b[1:], 310) // 36.85 °C
			b[3], b[4], b[5] = 100, 10, 3
			le.PutUint64(b[32:], 123456789)
			le.PutUint64(b[48:], 98765432)
			le.PutUint64(b[64:], 1e9)
			le.PutUint64(b[80:], 2e9)
			le.PutUint64(b[96:], 4242)
			le.PutUint64(b[112:], 57)
			le.PutUint64(b[128:], 12345)
			le.PutUint64(b[144:], 9)
			le.PutUint64(b[176:], 2)
			le.PutUint16(b[200:], 305)
			le.PutUint16(b[202:], 312)
		}), SMARTLog{TemperatureK: 310, AvailableSpare: 100, SpareThreshold: 10, PercentageUsed: 3,
			DataUnitsRead: 123456789, DataUnitsWritten: 98765432, HostReads: 1e9, HostWrites: 2e9, ControllerBusyMinutes: 4242,
			PowerCycles: 57, PowerOnHours: 12345, UnsafeShutdowns: 9, ErrorLogEntries: 2, SensorsK: []uint16{305, 312}}, nil, "", 36.85},
		{"spare gone, unreliable, read-only, worn past 100%", specPage(func(b []byte) {
			b[0] = WarnSpare | WarnReliability | WarnReadOnly
			le.PutUint16(b[1:], 345)
			b[3], b[4], b[5] = 5, 10, 112
			le.PutUint64(b[160:], 77)
			le.PutUint32(b[192:], 30)
			le.PutUint32(b[196:], 2)
		}), SMARTLog{CriticalWarning: 0x0d, TemperatureK: 345, AvailableSpare: 5, SpareThreshold: 10, PercentageUsed: 112,
			MediaErrors: 77, WarningTempMinutes: 30, CritTempMinutes: 2},
			[]string{"available spare below threshold", "NVM subsystem reliability degraded", "media placed in read-only mode"}, "", 71.85},
		{"a 128-bit counter past 64 bits saturates", specPage(func(b []byte) {
			le.PutUint64(b[48:], 5)
			le.PutUint64(b[56:], 1)
		}), SMARTLog{DataUnitsWritten: math.MaxUint64}, nil, "", 0},
		{"reserved warning bits are named", specPage(func(b []byte) { b[0] = 0x80 }), SMARTLog{CriticalWarning: 0x80},
			[]string{"reserved warning bits 0x80"}, "", 0},
		{"a truncated page (fault)", make([]byte, 100), SMARTLog{}, nil, "100 bytes, want 512", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSMARTLog(tc.page)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			var names []string
			for _, w := range got.CriticalWarnings() {
				names = append(names, w.Name)
			}
			if !reflect.DeepEqual(names, tc.warns) {
				t.Errorf("warnings %q, want %q", names, tc.warns)
			}
			if c, ok := got.TemperatureC(); ok != (tc.celsius != 0) || math.Abs(c-tc.celsius) > 1e-9 {
				t.Errorf("temperature %v %v, want %v", c, ok, tc.celsius)
			}
		})
	}
}

func FuzzParseSMARTLog(f *testing.F) {
	f.Add(make([]byte, SMARTLogSize))
	f.Add(make([]byte, 10))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseSMARTLog(b)
		if (err == nil) != (len(b) >= SMARTLogSize) {
			t.Fatalf("len %d: error %v", len(b), err)
		}
		_ = l.CriticalWarnings()
		_, _ = l.TemperatureC()
		if errors.Is(err, nil) && len(l.SensorsK) > 8 {
			t.Fatalf("%d sensors", len(l.SensorsK))
		}
	})
}
