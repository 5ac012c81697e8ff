//go:build cgo

// Package nvmlmock serves go-nvml's mocks of whole DGX systems
// (github.com/NVIDIA/go-nvml/pkg/nvml/mock) to hwgraph as an
// nvgpu.Library, for tests, and fills the answers the mocks leave unset.
// go-nvml needs cgo; only tests import this package, so the hwgraph
// binary does not.
package nvmlmock

import (
	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/hwgraph/hwgraph/nvgpu"
)

// Library adapts lib, a go-nvml Interface, to nvgpu.Library.
func Library(lib nvml.Interface) nvgpu.Library { return library{lib} }

type library struct{ lib nvml.Interface }

func (l library) Init() nvgpu.Return     { return nvgpu.Return(l.lib.Init()) }
func (l library) Shutdown() nvgpu.Return { return nvgpu.Return(l.lib.Shutdown()) }

func (l library) SystemGetDriverVersion() (string, nvgpu.Return) {
	v, ret := l.lib.SystemGetDriverVersion()
	return v, nvgpu.Return(ret)
}

func (l library) SystemGetCudaDriverVersion() (int, nvgpu.Return) {
	v, ret := l.lib.SystemGetCudaDriverVersion()
	return v, nvgpu.Return(ret)
}

func (l library) DeviceGetCount() (int, nvgpu.Return) {
	n, ret := l.lib.DeviceGetCount()
	return n, nvgpu.Return(ret)
}

func (l library) DeviceGetHandleByIndex(i int) (nvgpu.Device, nvgpu.Return) {
	d, ret := l.lib.DeviceGetHandleByIndex(i)
	if ret != nvml.SUCCESS {
		return nil, nvgpu.Return(ret)
	}
	return device{d}, nvgpu.Success
}

func (l library) EventSetCreate() (nvgpu.EventSet, nvgpu.Return) {
	s, ret := l.lib.EventSetCreate()
	if ret != nvml.SUCCESS {
		return nil, nvgpu.Return(ret)
	}
	return eventSet{s}, nvgpu.Success
}

type eventSet struct{ s nvml.EventSet }

func (s eventSet) Wait(timeoutMs uint32) (nvgpu.EventData, nvgpu.Return) {
	d, ret := s.s.Wait(timeoutMs)
	out := nvgpu.EventData{EventType: d.EventType, EventData: d.EventData}
	if d.Device != nil {
		out.Device = device{d.Device}
	}
	return out, nvgpu.Return(ret)
}

func (s eventSet) Free() nvgpu.Return { return nvgpu.Return(s.s.Free()) }

type device struct{ d nvml.Device }

// busID is an nvmlPciInfo_t's busId.
func busID(p nvml.PciInfo) string {
	b := make([]byte, 0, len(p.BusId))
	for _, c := range p.BusId {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func (d device) GetUUID() (string, nvgpu.Return) { v, r := d.d.GetUUID(); return v, nvgpu.Return(r) }
func (d device) GetName() (string, nvgpu.Return) { v, r := d.d.GetName(); return v, nvgpu.Return(r) }
func (d device) GetSerial() (string, nvgpu.Return) {
	v, r := d.d.GetSerial()
	return v, nvgpu.Return(r)
}
func (d device) GetVbiosVersion() (string, nvgpu.Return) {
	v, r := d.d.GetVbiosVersion()
	return v, nvgpu.Return(r)
}
func (d device) GetInforomImageVersion() (string, nvgpu.Return) {
	v, r := d.d.GetInforomImageVersion()
	return v, nvgpu.Return(r)
}
func (d device) GetPciBusID() (string, nvgpu.Return) {
	p, r := d.d.GetPciInfo()
	return busID(p), nvgpu.Return(r)
}
func (d device) GetMemoryTotal() (uint64, nvgpu.Return) {
	m, r := d.d.GetMemoryInfo()
	return m.Total, nvgpu.Return(r)
}
func (d device) GetTemperature() (uint32, nvgpu.Return) {
	v, r := d.d.GetTemperature(nvml.TEMPERATURE_GPU)
	return v, nvgpu.Return(r)
}
func (d device) GetPowerUsage() (uint32, nvgpu.Return) {
	v, r := d.d.GetPowerUsage()
	return v, nvgpu.Return(r)
}
func (d device) GetTotalEccErrors(t nvgpu.MemoryErrorType, c nvgpu.EccCounterType) (uint64, nvgpu.Return) {
	v, r := d.d.GetTotalEccErrors(nvml.MemoryErrorType(t), nvml.EccCounterType(c))
	return v, nvgpu.Return(r)
}
func (d device) GetRemappedRows() (int, int, bool, bool, nvgpu.Return) {
	c, u, p, f, r := d.d.GetRemappedRows()
	return c, u, p, f, nvgpu.Return(r)
}
func (d device) GetRetiredPageCount(cause nvgpu.PageRetirementCause) (int, nvgpu.Return) {
	pages, r := d.d.GetRetiredPages(nvml.PageRetirementCause(cause))
	return len(pages), nvgpu.Return(r)
}
func (d device) GetRetiredPagesPendingStatus() (bool, nvgpu.Return) {
	s, r := d.d.GetRetiredPagesPendingStatus()
	return s == nvml.FEATURE_ENABLED, nvgpu.Return(r)
}
func (d device) GetPcieReplayCounter() (int, nvgpu.Return) {
	v, r := d.d.GetPcieReplayCounter()
	return v, nvgpu.Return(r)
}
func (d device) GetMinorNumber() (int, nvgpu.Return) {
	v, r := d.d.GetMinorNumber()
	return v, nvgpu.Return(r)
}
func (d device) GetPerformanceState() (int, nvgpu.Return) {
	v, r := d.d.GetPerformanceState()
	return int(v), nvgpu.Return(r)
}

func (d device) GetUtilizationRates() (uint32, uint32, nvgpu.Return) {
	u, r := d.d.GetUtilizationRates()
	return u.Gpu, u.Memory, nvgpu.Return(r)
}

func (d device) GetCurrPcieLinkGeneration() (int, nvgpu.Return) {
	v, r := d.d.GetCurrPcieLinkGeneration()
	return v, nvgpu.Return(r)
}
func (d device) GetMaxPcieLinkGeneration() (int, nvgpu.Return) {
	v, r := d.d.GetMaxPcieLinkGeneration()
	return v, nvgpu.Return(r)
}
func (d device) GetCurrPcieLinkWidth() (int, nvgpu.Return) {
	v, r := d.d.GetCurrPcieLinkWidth()
	return v, nvgpu.Return(r)
}
func (d device) GetMaxPcieLinkWidth() (int, nvgpu.Return) {
	v, r := d.d.GetMaxPcieLinkWidth()
	return v, nvgpu.Return(r)
}
func (d device) GetNvLinkState(port int) (bool, nvgpu.Return) {
	s, r := d.d.GetNvLinkState(port)
	return s == nvml.FEATURE_ENABLED, nvgpu.Return(r)
}
func (d device) GetNvLinkVersion(port int) (uint32, nvgpu.Return) {
	v, r := d.d.GetNvLinkVersion(port)
	return v, nvgpu.Return(r)
}
func (d device) GetNvLinkRemoteBusID(port int) (string, nvgpu.Return) {
	p, r := d.d.GetNvLinkRemotePciInfo(port)
	return busID(p), nvgpu.Return(r)
}
func (d device) GetNvLinkRemoteDeviceType(port int) (nvgpu.NvLinkDeviceType, nvgpu.Return) {
	t, r := d.d.GetNvLinkRemoteDeviceType(port)
	return nvgpu.NvLinkDeviceType(t), nvgpu.Return(r)
}
func (d device) GetNvLinkErrorCounter(port int, c nvgpu.NvLinkErrorCounter) (uint64, nvgpu.Return) {
	v, r := d.d.GetNvLinkErrorCounter(port, nvml.NvLinkErrorCounter(c))
	return v, nvgpu.Return(r)
}
func (d device) RegisterEvents(types uint64, set nvgpu.EventSet) nvgpu.Return {
	s, ok := set.(eventSet)
	if !ok {
		return nvgpu.ErrorInvalidArgument
	}
	return nvgpu.Return(d.d.RegisterEvents(types, s.s))
}
