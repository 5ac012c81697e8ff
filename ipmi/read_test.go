package ipmi

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/app"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/command/dcmi"
	"github.com/bougou/go-ipmi/pkg/types"
)

// answers is a BMC as a table: each command's answer or error. A nil
// answer without an error means the command is not expected.
type answers struct {
	id      *app.GetDeviceIDResponse
	guid    *app.GetDeviceGUIDResponse
	sensors []*types.Sensor
	sel     []*types.SEL
	power   *dcmi.GetDCMIPowerReadingResponse
	chassis *chassis.GetChassisStatusResponse
	errs    map[string]error
	asked   []string
}

func (a *answers) err(cmd string) error {
	a.asked = append(a.asked, cmd)
	return a.errs[cmd]
}

func (a *answers) GetDeviceID(context.Context) (*app.GetDeviceIDResponse, error) {
	return a.id, a.err("id")
}
func (a *answers) GetDeviceGUID(context.Context) (*app.GetDeviceGUIDResponse, error) {
	return a.guid, a.err("guid")
}
func (a *answers) GetSensors(context.Context, ...client.SensorFilterOption) ([]*types.Sensor, error) {
	return a.sensors, a.err("sensors")
}
func (a *answers) GetSELEntries(context.Context, uint16) ([]*types.SEL, error) {
	return a.sel, a.err("sel")
}
func (a *answers) GetDCMIPowerReading(context.Context) (*dcmi.GetDCMIPowerReadingResponse, error) {
	return a.power, a.err("power")
}
func (a *answers) GetChassisStatus(context.Context) (*chassis.GetChassisStatusResponse, error) {
	return a.chassis, a.err("chassis")
}

// bmc answers as OpenIPMI's ipmi_sim does in collectors/bmc_test.go
// (firmware 9.08, manufacturer 4753, an "Inlet Temp" of 35 degrees C with
// an upper critical of 80, a memory SEL event), with DCMI's reading of
// DCMI 1.5 §6.6.1 that TestBMCDCMIPowerReading serves.
func bmc(t *testing.T) *answers {
	inlet := &types.Sensor{Number: 0x01, Name: "Inlet Temp ", SensorType: types.SensorTypeTemperature,
		EntityID: 0x07, EntityInstance: 1, HasAnalogReading: true, ReadingAvailable: true, Value: 35,
		SensorUnit: types.SensorUnit{BaseUnit: types.SensorUnitType_DegreesC}}
	inlet.Threshold.ThresholdStatus = types.SensorThresholdStatus_OK
	inlet.Threshold.Mask.UCR.Readable = true
	inlet.Threshold.UCR = 80
	raw, err := hex.DecodeString(selSeeds[0])
	if err != nil {
		t.Fatal(err)
	}
	sel, err := types.ParseSEL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &answers{
		id:      &app.GetDeviceIDResponse{ManufacturerID: 4753, ProductID: 2, MajorFirmwareRevision: 9, MinorFirmwareRevision: 8, MajorIPMIVersion: 2},
		guid:    &app.GetDeviceGUIDResponse{GUID: [16]byte{0xa1, 0xb2}},
		sensors: []*types.Sensor{inlet},
		sel:     []*types.SEL{sel},
		power: &dcmi.GetDCMIPowerReadingResponse{CurrentPower: 245, MinimumPower: 180, MaximumPower: 310, AveragePower: 240,
			ReportingPeriod: 1000, PowerMeasurementActive: true},
		chassis: &chassis.GetChassisStatusResponse{PowerIsOn: true},
		errs:    map[string]error{},
	}
}

var (
	invalidCommand = types.NewResponseError(types.CodeInvalidCommand, "")
	notPresentCode = types.NewResponseError(types.CodeRequestedDataNotPresent, "")
	errNoAnswer    = errors.New("rmcp+: read udp: i/o timeout")
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   Options
		damage func(a *answers)
		check  func(t *testing.T, info *Info, err error, asked []string)
	}{
		{"a BMC that answers everything", Options{}, nil, func(t *testing.T, info *Info, err error, _ []string) {
			s := info.Sensors[0]
			if err != nil || info.Device.Firmware != "9.08" || info.Device.IPMIVersion != "2.0" || info.Device.GUID == "" ||
				s.Name != "Inlet Temp" || s.Unit != "degrees C" || s.Value != 35 || !s.HasValue || s.UpperCritical != 80 ||
				!math.IsNaN(s.LowerCritical) || s.Status != "ok" || len(info.SEL) != 1 || info.SEL[0].Type != "Memory" ||
				*info.Power != (Power{Current: 245, Minimum: 180, Maximum: 310, Average: 240, Period: time.Second}) ||
				!info.Chassis.PowerOn || len(info.Problems) != 0 {
				t.Errorf("%+v %v", info, err)
			}
		}},
		{"no GUID, no DCMI (Invalid Command): normal", Options{}, func(a *answers) {
			a.errs["guid"], a.errs["power"] = invalidCommand, invalidCommand
		}, func(t *testing.T, info *Info, err error, _ []string) {
			if err != nil || info.Device.GUID != "" || info.Power != nil || len(info.Sensors) != 1 || len(info.Problems) != 0 {
				t.Errorf("%+v %v", info, err)
			}
		}},
		{"an empty SDR repository (data not present): no sensors, no problem", Options{}, func(a *answers) {
			a.sensors, a.errs["sensors"] = nil, notPresentCode
		}, func(t *testing.T, info *Info, err error, _ []string) {
			if err != nil || len(info.Sensors) != 0 || len(info.Problems) != 0 || len(info.SEL) != 1 {
				t.Errorf("%+v %v", info, err)
			}
		}},
		{"sensors refused otherwise: a problem, the rest read", Options{}, func(a *answers) {
			a.sensors, a.errs["sensors"] = nil, invalidCommand
		}, func(t *testing.T, info *Info, err error, _ []string) {
			if err != nil || len(info.Problems) != 1 || !strings.Contains(info.Problems[0].Error(), "ipmi sensors") || len(info.SEL) != 1 {
				t.Errorf("%+v %v", info, err)
			}
		}},
		{"a BMC that stops answering at the SEL: what came before, and why", Options{}, func(a *answers) {
			a.errs["sel"] = errNoAnswer
		}, func(t *testing.T, info *Info, err error, asked []string) {
			if err == nil || !strings.Contains(err.Error(), "stopped answering") || len(info.Sensors) != 1 || info.SEL != nil {
				t.Errorf("%+v %v", info, err)
			}
			if asked[len(asked)-1] != "sel" {
				t.Errorf("asked on after the BMC stopped: %v", asked)
			}
		}},
		{"no answer to Get Device ID: nothing", Options{}, func(a *answers) {
			a.errs["id"] = errNoAnswer
		}, func(t *testing.T, info *Info, err error, _ []string) {
			if info != nil || err == nil || !strings.Contains(err.Error(), "get device id") {
				t.Errorf("%+v %v", info, err)
			}
		}},
		{"SkipChassis: Get Chassis Status is never sent", Options{SkipChassis: true}, nil, func(t *testing.T, info *Info, err error, asked []string) {
			if err != nil || info.Chassis != nil || strings.Contains(strings.Join(asked, " "), "chassis") {
				t.Errorf("%+v %v, asked %v", info, err, asked)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := bmc(t)
			if tc.damage != nil {
				tc.damage(a)
			}
			info, err := Read(context.Background(), a, tc.opts)
			tc.check(t, info, err, a.asked)
		})
	}
}
