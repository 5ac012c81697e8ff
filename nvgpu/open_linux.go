package nvgpu

import (
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// DefaultLibrary is the NVML library the NVIDIA driver installs, found by
// the dynamic linker's search.
const DefaultLibrary = "libnvidia-ml.so.1"

// Open loads NVML from path (DefaultLibrary for the driver's). A library
// that cannot be loaded is ErrNoDriver: no NVIDIA driver is installed.
//
// The library is bound with purego, not go-nvml's cgo bindings: those need
// a C compiler to build hwgraph and print a screen of deprecation warnings
// from nvml.h on every first build, and hwgraph calls thirty functions of
// NVML's hundreds. purego loads the same library at run time with neither.
func Open(path string) (Library, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %v", ErrNoDriver, path, err)
	}
	l := &dlLibrary{}
	l.bind(h)
	return l, nil
}

// pciInfo is nvmlPciInfo_t as _v2 and _v3 fill it. The first version
// put its busId where busIdLegacy is now, 16 bytes at the start.
type pciInfo struct {
	busIDLegacy [16]byte
	_           [5]uint32 // domain, bus, device, pciDeviceId, pciSubSystemId
	busID       [32]byte
}

// memory is nvmlMemory_t.
type memory struct {
	total uint64
	_     [2]uint64 // free, used
}

// eventData is nvmlEventData_t.
type eventData struct {
	device    uintptr
	eventType uint64
	eventData uint64
	_         [2]uint32 // gpuInstanceId, computeInstanceId
}

// dlLibrary is NVML's C functions. A function the loaded library lacks
// (an older driver) stays nil and answers ErrorFunctionNotFound.
type dlLibrary struct {
	pciInfoV1 bool // only nvmlDeviceGetPciInfo (no _v2/_v3): busId at the start

	init           func() Return
	shutdown       func() Return
	driverVersion  func(buf *byte, n uint32) Return
	cudaVersion    func(v *int32) Return
	count          func(n *uint32) Return
	handleByIndex  func(i uint32, dev *uintptr) Return
	eventSetCreate func(set *uintptr) Return
	eventSetWait   func(set uintptr, data *eventData, timeoutMs uint32) Return
	eventSetFree   func(set uintptr) Return

	uuid, name, serial, vbios, inforom func(dev uintptr, buf *byte, n uint32) Return

	pciInfo        func(dev uintptr, p *pciInfo) Return
	memoryInfo     func(dev uintptr, m *memory) Return
	temperature    func(dev uintptr, sensor uint32, t *uint32) Return
	powerUsage     func(dev uintptr, mw *uint32) Return
	totalECC       func(dev uintptr, errType, counter uint32, n *uint64) Return
	remappedRows   func(dev uintptr, corrected, uncorrected, pending, failure *uint32) Return
	retiredPages   func(dev uintptr, cause uint32, count *uint32, addresses *uint64) Return
	retiredPending func(dev uintptr, pending *uint32) Return
	registerEvents func(dev uintptr, types uint64, set uintptr) Return

	replays, minor, currGen, maxGen, currWidth, maxWidth, perfState func(dev uintptr, v *uint32) Return
	utilization                                                     func(dev uintptr, u *utilization) Return

	nvlinkState      func(dev uintptr, port uint32, up *uint32) Return
	nvlinkVersion    func(dev uintptr, port uint32, v *uint32) Return
	nvlinkRemotePCI  func(dev uintptr, port uint32, p *pciInfo) Return
	nvlinkRemoteType func(dev uintptr, port uint32, t *uint32) Return
	nvlinkErrors     func(dev uintptr, port, counter uint32, v *uint64) Return
}

// bind looks up each function, the newest version of it the library has
// first (as go-nvml does).
func (l *dlLibrary) bind(h uintptr) {
	sym := func(fptr any, names ...string) string {
		for _, n := range names {
			if _, err := purego.Dlsym(h, n); err == nil {
				purego.RegisterLibFunc(fptr, h, n)
				return n
			}
		}
		return ""
	}
	sym(&l.init, "nvmlInit_v2", "nvmlInit")
	sym(&l.shutdown, "nvmlShutdown")
	sym(&l.driverVersion, "nvmlSystemGetDriverVersion")
	sym(&l.cudaVersion, "nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion")
	sym(&l.count, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount")
	sym(&l.handleByIndex, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex")
	sym(&l.eventSetCreate, "nvmlEventSetCreate")
	sym(&l.eventSetWait, "nvmlEventSetWait_v2", "nvmlEventSetWait")
	sym(&l.eventSetFree, "nvmlEventSetFree")
	sym(&l.uuid, "nvmlDeviceGetUUID")
	sym(&l.name, "nvmlDeviceGetName")
	sym(&l.serial, "nvmlDeviceGetSerial")
	sym(&l.vbios, "nvmlDeviceGetVbiosVersion")
	sym(&l.inforom, "nvmlDeviceGetInforomImageVersion")
	l.pciInfoV1 = sym(&l.pciInfo, "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2", "nvmlDeviceGetPciInfo") == "nvmlDeviceGetPciInfo"
	sym(&l.memoryInfo, "nvmlDeviceGetMemoryInfo")
	sym(&l.temperature, "nvmlDeviceGetTemperature")
	sym(&l.powerUsage, "nvmlDeviceGetPowerUsage")
	sym(&l.totalECC, "nvmlDeviceGetTotalEccErrors")
	sym(&l.remappedRows, "nvmlDeviceGetRemappedRows")
	sym(&l.retiredPages, "nvmlDeviceGetRetiredPages")
	sym(&l.retiredPending, "nvmlDeviceGetRetiredPagesPendingStatus")
	sym(&l.registerEvents, "nvmlDeviceRegisterEvents")
	sym(&l.replays, "nvmlDeviceGetPcieReplayCounter")
	sym(&l.minor, "nvmlDeviceGetMinorNumber")
	sym(&l.perfState, "nvmlDeviceGetPerformanceState")
	sym(&l.utilization, "nvmlDeviceGetUtilizationRates")
	sym(&l.currGen, "nvmlDeviceGetCurrPcieLinkGeneration")
	sym(&l.maxGen, "nvmlDeviceGetMaxPcieLinkGeneration")
	sym(&l.currWidth, "nvmlDeviceGetCurrPcieLinkWidth")
	sym(&l.maxWidth, "nvmlDeviceGetMaxPcieLinkWidth")
	sym(&l.nvlinkState, "nvmlDeviceGetNvLinkState")
	sym(&l.nvlinkVersion, "nvmlDeviceGetNvLinkVersion")
	sym(&l.nvlinkRemotePCI, "nvmlDeviceGetNvLinkRemotePciInfo_v2", "nvmlDeviceGetNvLinkRemotePciInfo")
	sym(&l.nvlinkRemoteType, "nvmlDeviceGetNvLinkRemoteDeviceType")
	sym(&l.nvlinkErrors, "nvmlDeviceGetNvLinkErrorCounter")
}

// call0 calls a function that may be missing.
func call0(fn func() Return) Return {
	if fn == nil {
		return ErrorFunctionNotFound
	}
	return fn()
}

// cString is a NUL-terminated C string in buf.
func cString(buf []byte) string {
	for i, c := range buf {
		if c == 0 {
			return string(buf[:i])
		}
	}
	return string(buf)
}

// stringBuf is NVML's largest string: NVML_DEVICE_UUID_V2_BUFFER_SIZE and
// NVML_DEVICE_NAME_V2_BUFFER_SIZE are 96, the driver version 80.
const stringBuf = 96

func getString(fn func(buf *byte, n uint32) Return) (string, Return) {
	if fn == nil {
		return "", ErrorFunctionNotFound
	}
	buf := make([]byte, stringBuf)
	ret := fn(&buf[0], uint32(len(buf)))
	return cString(buf), ret
}

// Init implements Library.
func (l *dlLibrary) Init() Return { return call0(l.init) }

// Shutdown implements Library.
func (l *dlLibrary) Shutdown() Return { return call0(l.shutdown) }

// SystemGetDriverVersion implements Library.
func (l *dlLibrary) SystemGetDriverVersion() (string, Return) { return getString(l.driverVersion) }

// SystemGetCudaDriverVersion implements Library.
func (l *dlLibrary) SystemGetCudaDriverVersion() (int, Return) {
	if l.cudaVersion == nil {
		return 0, ErrorFunctionNotFound
	}
	var v int32
	ret := l.cudaVersion(&v)
	return int(v), ret
}

// DeviceGetCount implements Library.
func (l *dlLibrary) DeviceGetCount() (int, Return) {
	if l.count == nil {
		return 0, ErrorFunctionNotFound
	}
	var n uint32
	ret := l.count(&n)
	return int(n), ret
}

// DeviceGetHandleByIndex implements Library.
func (l *dlLibrary) DeviceGetHandleByIndex(i int) (Device, Return) {
	if l.handleByIndex == nil {
		return nil, ErrorFunctionNotFound
	}
	var h uintptr
	if ret := l.handleByIndex(uint32(i), &h); ret != Success {
		return nil, ret
	}
	return dlDevice{l, h}, Success
}

// EventSetCreate implements Library.
func (l *dlLibrary) EventSetCreate() (EventSet, Return) {
	if l.eventSetCreate == nil {
		return nil, ErrorFunctionNotFound
	}
	var h uintptr
	if ret := l.eventSetCreate(&h); ret != Success {
		return nil, ret
	}
	return &dlEventSet{l: l, h: h}, Success
}

// dlEventSet is an nvmlEventSet_t.
type dlEventSet struct {
	l    *dlLibrary
	h    uintptr
	once sync.Once
}

// Wait implements EventSet.
func (s *dlEventSet) Wait(timeoutMs uint32) (EventData, Return) {
	if s.l.eventSetWait == nil {
		return EventData{}, ErrorFunctionNotFound
	}
	var d eventData
	ret := s.l.eventSetWait(s.h, &d, timeoutMs)
	if ret != Success {
		return EventData{}, ret
	}
	out := EventData{EventType: d.eventType, EventData: d.eventData}
	if d.device != 0 {
		out.Device = dlDevice{s.l, d.device}
	}
	return out, Success
}

// Free implements EventSet; a second call does nothing.
func (s *dlEventSet) Free() Return {
	ret := Success
	s.once.Do(func() {
		if s.l.eventSetFree == nil {
			ret = ErrorFunctionNotFound
			return
		}
		ret = s.l.eventSetFree(s.h)
	})
	return ret
}

// dlDevice is an nvmlDevice_t.
type dlDevice struct {
	l *dlLibrary
	h uintptr
}

func (d dlDevice) str(fn func(uintptr, *byte, uint32) Return) (string, Return) {
	if fn == nil {
		return "", ErrorFunctionNotFound
	}
	return getString(func(buf *byte, n uint32) Return { return fn(d.h, buf, n) })
}

func (d dlDevice) uint(fn func(uintptr, *uint32) Return) (int, Return) {
	if fn == nil {
		return 0, ErrorFunctionNotFound
	}
	var v uint32
	ret := fn(d.h, &v)
	return int(v), ret
}

func (d dlDevice) portUint(fn func(uintptr, uint32, *uint32) Return, port int) (uint32, Return) {
	if fn == nil {
		return 0, ErrorFunctionNotFound
	}
	var v uint32
	ret := fn(d.h, uint32(port), &v)
	return v, ret
}

func (d dlDevice) busID(p *pciInfo) string {
	if d.l.pciInfoV1 {
		return cString(p.busIDLegacy[:])
	}
	return cString(p.busID[:])
}

// GetUUID implements Device.
func (d dlDevice) GetUUID() (string, Return) { return d.str(d.l.uuid) }

// GetName implements Device.
func (d dlDevice) GetName() (string, Return) { return d.str(d.l.name) }

// GetSerial implements Device.
func (d dlDevice) GetSerial() (string, Return) { return d.str(d.l.serial) }

// GetVbiosVersion implements Device.
func (d dlDevice) GetVbiosVersion() (string, Return) { return d.str(d.l.vbios) }

// GetInforomImageVersion implements Device.
func (d dlDevice) GetInforomImageVersion() (string, Return) { return d.str(d.l.inforom) }

// GetPciBusID implements Device.
func (d dlDevice) GetPciBusID() (string, Return) {
	if d.l.pciInfo == nil {
		return "", ErrorFunctionNotFound
	}
	var p pciInfo
	ret := d.l.pciInfo(d.h, &p)
	return d.busID(&p), ret
}

// GetMemoryTotal implements Device.
func (d dlDevice) GetMemoryTotal() (uint64, Return) {
	if d.l.memoryInfo == nil {
		return 0, ErrorFunctionNotFound
	}
	var m memory
	ret := d.l.memoryInfo(d.h, &m)
	return m.total, ret
}

// temperatureGPU is NVML_TEMPERATURE_GPU, the die's sensor.
const temperatureGPU = 0

// GetTemperature implements Device.
func (d dlDevice) GetTemperature() (uint32, Return) {
	if d.l.temperature == nil {
		return 0, ErrorFunctionNotFound
	}
	var t uint32
	ret := d.l.temperature(d.h, temperatureGPU, &t)
	return t, ret
}

// GetPowerUsage implements Device.
func (d dlDevice) GetPowerUsage() (uint32, Return) {
	v, ret := d.uint(d.l.powerUsage)
	return uint32(v), ret
}

// GetTotalEccErrors implements Device.
func (d dlDevice) GetTotalEccErrors(t MemoryErrorType, c EccCounterType) (uint64, Return) {
	if d.l.totalECC == nil {
		return 0, ErrorFunctionNotFound
	}
	var n uint64
	ret := d.l.totalECC(d.h, uint32(t), uint32(c), &n)
	return n, ret
}

// GetRemappedRows implements Device.
func (d dlDevice) GetRemappedRows() (int, int, bool, bool, Return) {
	if d.l.remappedRows == nil {
		return 0, 0, false, false, ErrorFunctionNotFound
	}
	var c, u, pending, failure uint32
	ret := d.l.remappedRows(d.h, &c, &u, &pending, &failure)
	return int(c), int(u), pending != 0, failure != 0, ret
}

// GetRetiredPageCount implements Device. NVML fills an array of addresses;
// it is grown until they fit, and only their number is kept.
func (d dlDevice) GetRetiredPageCount(cause PageRetirementCause) (int, Return) {
	if d.l.retiredPages == nil {
		return 0, ErrorFunctionNotFound
	}
	for n := uint32(64); ; n *= 2 {
		addrs := make([]uint64, n)
		count := n
		ret := d.l.retiredPages(d.h, uint32(cause), &count, &addrs[0])
		if ret != ErrorInsufficientSize || n >= 1<<20 {
			return int(count), ret
		}
	}
}

// GetRetiredPagesPendingStatus implements Device.
func (d dlDevice) GetRetiredPagesPendingStatus() (bool, Return) {
	v, ret := d.uint(d.l.retiredPending)
	return v != 0, ret // NVML_FEATURE_ENABLED
}

// GetPcieReplayCounter implements Device.
func (d dlDevice) GetPcieReplayCounter() (int, Return) { return d.uint(d.l.replays) }

// GetMinorNumber implements Device.
func (d dlDevice) GetMinorNumber() (int, Return) { return d.uint(d.l.minor) }

// GetPerformanceState implements Device.
func (d dlDevice) GetPerformanceState() (int, Return) { return d.uint(d.l.perfState) }

// utilization is nvmlUtilization_t.
type utilization struct{ GPU, Memory uint32 }

// GetUtilizationRates implements Device.
func (d dlDevice) GetUtilizationRates() (uint32, uint32, Return) {
	if d.l.utilization == nil {
		return 0, 0, ErrorFunctionNotFound
	}
	var u utilization
	ret := d.l.utilization(d.h, &u)
	return u.GPU, u.Memory, ret
}

// GetCurrPcieLinkGeneration implements Device.
func (d dlDevice) GetCurrPcieLinkGeneration() (int, Return) { return d.uint(d.l.currGen) }

// GetMaxPcieLinkGeneration implements Device.
func (d dlDevice) GetMaxPcieLinkGeneration() (int, Return) { return d.uint(d.l.maxGen) }

// GetCurrPcieLinkWidth implements Device.
func (d dlDevice) GetCurrPcieLinkWidth() (int, Return) { return d.uint(d.l.currWidth) }

// GetMaxPcieLinkWidth implements Device.
func (d dlDevice) GetMaxPcieLinkWidth() (int, Return) { return d.uint(d.l.maxWidth) }

// GetNvLinkState implements Device.
func (d dlDevice) GetNvLinkState(port int) (bool, Return) {
	v, ret := d.portUint(d.l.nvlinkState, port)
	return v != 0, ret // NVML_FEATURE_ENABLED
}

// GetNvLinkVersion implements Device.
func (d dlDevice) GetNvLinkVersion(port int) (uint32, Return) {
	return d.portUint(d.l.nvlinkVersion, port)
}

// GetNvLinkRemoteBusID implements Device.
func (d dlDevice) GetNvLinkRemoteBusID(port int) (string, Return) {
	if d.l.nvlinkRemotePCI == nil {
		return "", ErrorFunctionNotFound
	}
	var p pciInfo
	ret := d.l.nvlinkRemotePCI(d.h, uint32(port), &p)
	return d.busID(&p), ret
}

// GetNvLinkRemoteDeviceType implements Device.
func (d dlDevice) GetNvLinkRemoteDeviceType(port int) (NvLinkDeviceType, Return) {
	v, ret := d.portUint(d.l.nvlinkRemoteType, port)
	return NvLinkDeviceType(v), ret
}

// GetNvLinkErrorCounter implements Device.
func (d dlDevice) GetNvLinkErrorCounter(port int, c NvLinkErrorCounter) (uint64, Return) {
	if d.l.nvlinkErrors == nil {
		return 0, ErrorFunctionNotFound
	}
	var v uint64
	ret := d.l.nvlinkErrors(d.h, uint32(port), uint32(c), &v)
	return v, ret
}

// RegisterEvents implements Device.
func (d dlDevice) RegisterEvents(types uint64, set EventSet) Return {
	s, ok := set.(*dlEventSet)
	if !ok {
		return ErrorInvalidArgument
	}
	if d.l.registerEvents == nil {
		return ErrorFunctionNotFound
	}
	return d.l.registerEvents(d.h, types, s.h)
}
