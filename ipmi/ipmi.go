// Package ipmi reads a BMC through github.com/bougou/go-ipmi: who it is
// (Get Device ID, GUID), its sensors from the SDR repository with their
// readings and threshold state, the chassis status and the System Event
// Log, incrementally. It never sends a command that changes the BMC's
// state (no chassis control, no SEL clear, no sensor or user writes).
package ipmi

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/app"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/command/dcmi"
	"github.com/bougou/go-ipmi/pkg/types"
)

// Device is what Get Device ID and Get Device GUID say.
type Device struct {
	ManufacturerID uint32
	ProductID      uint16
	Firmware       string // "9.08": major.minor (BCD) revision
	IPMIVersion    string // "2.0"
	GUID           string
}

// Sensor is one SDR sensor and its reading.
type Sensor struct {
	Number         uint8
	Name           string
	Type           string // "Temperature", "Voltage", "Fan", …
	Unit           string // "degrees C", "Volts", "RPM", …
	EntityID       uint8
	EntityInstance uint8
	// Value is the converted reading; HasValue is false when the sensor
	// gives none (discrete, not present, scanning disabled).
	Value    float64
	HasValue bool
	// Status is the threshold state: "ok", "lnc", "lcr", "lnr", "unc",
	// "ucr", "unr" ("" for discrete sensors).
	Status string
	// UpperCritical and LowerCritical are the thresholds, NaN when unset.
	UpperCritical, LowerCritical float64
}

// Chassis is Get Chassis Status.
type Chassis struct {
	PowerOn, PowerFault, PowerOverload, PowerControlFault bool
}

// SELEntry is one System Event Log record.
type SELEntry struct {
	RecordID  uint16
	Time      time.Time
	Sensor    uint8
	Type      string // the sensor type of the event ("Memory", "Power Supply", …)
	Assertion bool
	Text      string
}

// Power is DCMI's system power reading, in watts: the instantaneous one
// and the minimum, maximum and average over Period.
type Power struct {
	Current, Minimum, Maximum, Average float64
	Period                             time.Duration
}

// Info is one read of the BMC.
type Info struct {
	Device   Device
	Sensors  []Sensor
	Power    *Power // nil when the BMC has no DCMI power reading
	Chassis  *Chassis
	SEL      []SELEntry
	Problems []error `json:"-"` // kept as text by Recording
}

// Client is the part of go-ipmi's *client.Client that Read calls: reads
// only. Tests give Read a table of answers through it.
type Client interface {
	GetDeviceID(ctx context.Context) (*app.GetDeviceIDResponse, error)
	GetDeviceGUID(ctx context.Context) (*app.GetDeviceGUIDResponse, error)
	GetSensors(ctx context.Context, filterOptions ...client.SensorFilterOption) ([]*types.Sensor, error)
	GetSELEntries(ctx context.Context, startRecordID uint16) ([]*types.SEL, error)
	GetDCMIPowerReading(ctx context.Context) (*dcmi.GetDCMIPowerReadingResponse, error)
	GetChassisStatus(ctx context.Context) (*chassis.GetChassisStatusResponse, error)
}

var _ Client = (*client.Client)(nil)

// Read queries the BMC. A command the BMC does not implement is left
// out; a request that gets no answer ends the read with an error, and
// what was read before it is returned with the error.
func Read(ctx context.Context, c Client, opts Options) (*Info, error) {
	id, err := c.GetDeviceID(ctx)
	if err != nil {
		return nil, fmt.Errorf("ipmi get device id: %w", err)
	}
	info := &Info{Device: Device{
		ManufacturerID: id.ManufacturerID,
		ProductID:      id.ProductID,
		// go-ipmi has already decoded the BCD minor revision.
		Firmware:    fmt.Sprintf("%d.%02d", id.MajorFirmwareRevision, id.MinorFirmwareRevision),
		IPMIVersion: fmt.Sprintf("%d.%d", id.MajorIPMIVersion, id.MinorIPMIVersion),
	}}
	if g, err := c.GetDeviceGUID(ctx); err == nil {
		info.Device.GUID = fmt.Sprintf("%x", g.GUID)
	} else if !unsupported(err) {
		return info, lost(err)
	}
	sensors, err := c.GetSensors(ctx)
	switch {
	case err == nil:
	case !unsupported(err):
		return info, lost(err)
	case notPresent(err):
		// An empty SDR repository answers "requested data not present"
		// for its first record: a BMC without sensors, not a fault.
	default:
		info.Problems = append(info.Problems, fmt.Errorf("ipmi sensors: %w", err))
	}
	for _, s := range sensors {
		info.Sensors = append(info.Sensors, sensor(s))
	}
	sel, err := c.GetSELEntries(ctx, 0)
	if err != nil && !unsupported(err) {
		return info, lost(err)
	}
	for _, e := range sel {
		info.SEL = append(info.SEL, selEntry(e))
	}
	// DCMI's power reading is the whole system's draw, which most server
	// BMCs have and few expose as an SDR sensor. A BMC without DCMI
	// answers with a completion code, and has no reading.
	if pr, err := c.GetDCMIPowerReading(ctx); err == nil {
		if pr.PowerMeasurementActive {
			info.Power = &Power{Current: float64(pr.CurrentPower), Minimum: float64(pr.MinimumPower),
				Maximum: float64(pr.MaximumPower), Average: float64(pr.AveragePower),
				Period: time.Duration(pr.ReportingPeriod) * time.Millisecond}
		}
	} else if !unsupported(err) {
		return info, lost(err)
	}
	// Chassis status comes last: a BMC that mishandles it (OpenIPMI's
	// ipmi_sim 1.0.13 dies on it) must not cost the sensors and SEL.
	if !opts.SkipChassis {
		if cs, err := c.GetChassisStatus(ctx); err == nil {
			info.Chassis = &Chassis{PowerOn: cs.PowerIsOn, PowerFault: cs.PowerFault,
				PowerOverload: cs.PowerOverload, PowerControlFault: cs.PowerControlFault}
		} else if !unsupported(err) {
			return info, lost(err)
		}
	}
	return info, nil
}

// lost is the error of a BMC that stopped answering mid-session: the
// rest of the reads would only time out too.
func lost(err error) error {
	return fmt.Errorf("ipmi: the BMC stopped answering: %w", err)
}

// Options tune Read for BMCs with quirks.
type Options struct {
	// SkipChassis leaves out Get Chassis Status.
	SkipChassis bool
}

func sensor(s *types.Sensor) Sensor {
	out := Sensor{
		Number: s.Number, Name: strings.TrimSpace(s.Name), Type: s.SensorType.String(),
		EntityID: uint8(s.EntityID), EntityInstance: uint8(s.EntityInstance),
		UpperCritical: nan(), LowerCritical: nan(),
	}
	if s.HasAnalogReading {
		out.Unit = s.SensorUnit.String()
		out.Status = string(s.Threshold.ThresholdStatus)
		if s.ReadingAvailable && !s.ScanningDisabled && !s.NotPresent {
			out.Value, out.HasValue = s.Value, true
		}
		if s.Threshold.Mask.UCR.Readable {
			out.UpperCritical = s.Threshold.UCR
		}
		if s.Threshold.Mask.LCR.Readable {
			out.LowerCritical = s.Threshold.LCR
		}
	}
	return out
}

func selEntry(e *types.SEL) SELEntry {
	out := SELEntry{RecordID: e.RecordID}
	switch {
	case e.Standard != nil:
		st := e.Standard
		out.Time = st.Timestamp
		out.Sensor = uint8(st.SensorNumber)
		out.Type = st.SensorType.String()
		out.Assertion = !bool(st.EventDir)
		out.Text = st.EventString()
	case e.OEMTimestamped != nil:
		out.Time = e.OEMTimestamped.Timestamp
		out.Type, out.Text = "OEM", fmt.Sprintf("OEM record type %#02x", uint8(e.RecordType))
	default:
		out.Type, out.Text = "OEM", fmt.Sprintf("OEM record type %#02x", uint8(e.RecordType))
	}
	return out
}

// unsupported reports a BMC that answered with a completion code (such
// as Invalid Command): it does not implement the command, which is
// normal, unlike a BMC that did not answer.
func unsupported(err error) bool {
	_, ok := types.IsResponseError(err)
	return ok
}

// notPresent reports the completion code "requested sensor, data or
// record not present" (0xCB).
func notPresent(err error) bool {
	re, ok := types.IsResponseError(err)
	return ok && re.CompletionCode() == types.CodeRequestedDataNotPresent
}

func nan() float64 { return math.NaN() }
