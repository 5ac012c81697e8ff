package nvgpu

import (
	"fmt"
	"slices"
	"sync"
)

// Call is one NVML call and what it answered, so that a machine's GPUs can
// be recorded once and replayed where there is no GPU.
type Call struct {
	// Func is the Library or Device method: "DeviceGetCount", "GetName".
	Func string `json:"func"`
	// Device is the index of the GPU a Device method was called on.
	Device int `json:"device,omitempty"`
	// Args are the call's integer arguments (a port, a counter type).
	Args   []int64 `json:"args,omitempty"`
	Return Return  `json:"return"`
	// String and Values are the answer: a string, or the numbers in the
	// method's order (GetRemappedRows: corrected, uncorrected, pending,
	// failure, booleans as 0 or 1).
	String string   `json:"string,omitempty"`
	Values []uint64 `json:"values,omitempty"`
}

func (c Call) key() string { return fmt.Sprint(c.Func, c.Device, c.Args) }

// Recorder is a Library that passes every call to another and keeps what
// it answered. Event sets are passed through and not recorded: Xids are
// events of the moment, not a machine's state.
type Recorder struct {
	Library Library

	mu    sync.Mutex
	calls []Call
}

// Calls returns what was recorded, in call order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *Recorder) add(c Call) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *Recorder) str(fn string, dev int, v string, ret Return, args ...int64) (string, Return) {
	r.add(Call{Func: fn, Device: dev, Args: args, Return: ret, String: v})
	return v, ret
}

func (r *Recorder) num(fn string, dev int, ret Return, args []int64, vs ...uint64) {
	r.add(Call{Func: fn, Device: dev, Args: args, Return: ret, Values: vs})
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Init implements Library.
func (r *Recorder) Init() Return {
	ret := r.Library.Init()
	r.num("Init", 0, ret, nil)
	return ret
}

// Shutdown implements Library.
func (r *Recorder) Shutdown() Return { return r.Library.Shutdown() }

// SystemGetDriverVersion implements Library.
func (r *Recorder) SystemGetDriverVersion() (string, Return) {
	v, ret := r.Library.SystemGetDriverVersion()
	return r.str("SystemGetDriverVersion", 0, v, ret)
}

// SystemGetCudaDriverVersion implements Library.
func (r *Recorder) SystemGetCudaDriverVersion() (int, Return) {
	v, ret := r.Library.SystemGetCudaDriverVersion()
	r.num("SystemGetCudaDriverVersion", 0, ret, nil, uint64(v))
	return v, ret
}

// DeviceGetCount implements Library.
func (r *Recorder) DeviceGetCount() (int, Return) {
	n, ret := r.Library.DeviceGetCount()
	r.num("DeviceGetCount", 0, ret, nil, uint64(n))
	return n, ret
}

// DeviceGetHandleByIndex implements Library.
func (r *Recorder) DeviceGetHandleByIndex(i int) (Device, Return) {
	d, ret := r.Library.DeviceGetHandleByIndex(i)
	r.num("DeviceGetHandleByIndex", 0, ret, []int64{int64(i)})
	if ret != Success {
		return nil, ret
	}
	return &recordedDevice{r: r, d: d, index: i}, ret
}

// EventSetCreate implements Library.
func (r *Recorder) EventSetCreate() (EventSet, Return) { return r.Library.EventSetCreate() }

// recordedDevice records the calls on one GPU.
type recordedDevice struct {
	r     *Recorder
	d     Device
	index int
}

func (d *recordedDevice) str(fn string, v string, ret Return, args ...int64) (string, Return) {
	return d.r.str(fn, d.index, v, ret, args...)
}

func (d *recordedDevice) num(fn string, ret Return, args []int64, vs ...uint64) {
	d.r.num(fn, d.index, ret, args, vs...)
}

func (d *recordedDevice) GetUUID() (string, Return) {
	v, ret := d.d.GetUUID()
	return d.str("GetUUID", v, ret)
}

func (d *recordedDevice) GetName() (string, Return) {
	v, ret := d.d.GetName()
	return d.str("GetName", v, ret)
}

func (d *recordedDevice) GetSerial() (string, Return) {
	v, ret := d.d.GetSerial()
	return d.str("GetSerial", v, ret)
}

func (d *recordedDevice) GetVbiosVersion() (string, Return) {
	v, ret := d.d.GetVbiosVersion()
	return d.str("GetVbiosVersion", v, ret)
}

func (d *recordedDevice) GetInforomImageVersion() (string, Return) {
	v, ret := d.d.GetInforomImageVersion()
	return d.str("GetInforomImageVersion", v, ret)
}

func (d *recordedDevice) GetPciBusID() (string, Return) {
	v, ret := d.d.GetPciBusID()
	return d.str("GetPciBusID", v, ret)
}

func (d *recordedDevice) GetMemoryTotal() (uint64, Return) {
	v, ret := d.d.GetMemoryTotal()
	d.num("GetMemoryTotal", ret, nil, v)
	return v, ret
}

func (d *recordedDevice) GetTemperature() (uint32, Return) {
	v, ret := d.d.GetTemperature()
	d.num("GetTemperature", ret, nil, uint64(v))
	return v, ret
}

func (d *recordedDevice) GetPowerUsage() (uint32, Return) {
	v, ret := d.d.GetPowerUsage()
	d.num("GetPowerUsage", ret, nil, uint64(v))
	return v, ret
}

func (d *recordedDevice) GetTotalEccErrors(t MemoryErrorType, c EccCounterType) (uint64, Return) {
	v, ret := d.d.GetTotalEccErrors(t, c)
	d.num("GetTotalEccErrors", ret, []int64{int64(t), int64(c)}, v)
	return v, ret
}

func (d *recordedDevice) GetRemappedRows() (int, int, bool, bool, Return) {
	c, u, p, f, ret := d.d.GetRemappedRows()
	d.num("GetRemappedRows", ret, nil, uint64(c), uint64(u), b2u(p), b2u(f))
	return c, u, p, f, ret
}

func (d *recordedDevice) GetRetiredPageCount(cause PageRetirementCause) (int, Return) {
	n, ret := d.d.GetRetiredPageCount(cause)
	d.num("GetRetiredPageCount", ret, []int64{int64(cause)}, uint64(n))
	return n, ret
}

func (d *recordedDevice) GetRetiredPagesPendingStatus() (bool, Return) {
	v, ret := d.d.GetRetiredPagesPendingStatus()
	d.num("GetRetiredPagesPendingStatus", ret, nil, b2u(v))
	return v, ret
}

func (d *recordedDevice) intCall(fn string, get func() (int, Return)) (int, Return) {
	v, ret := get()
	d.num(fn, ret, nil, uint64(v))
	return v, ret
}

func (d *recordedDevice) GetPcieReplayCounter() (int, Return) {
	return d.intCall("GetPcieReplayCounter", d.d.GetPcieReplayCounter)
}

func (d *recordedDevice) GetMinorNumber() (int, Return) {
	return d.intCall("GetMinorNumber", d.d.GetMinorNumber)
}

func (d *recordedDevice) GetPerformanceState() (int, Return) {
	return d.intCall("GetPerformanceState", d.d.GetPerformanceState)
}

func (d *recordedDevice) GetUtilizationRates() (uint32, uint32, Return) {
	g, m, ret := d.d.GetUtilizationRates()
	d.num("GetUtilizationRates", ret, nil, uint64(g), uint64(m))
	return g, m, ret
}

func (d *recordedDevice) GetCurrPcieLinkGeneration() (int, Return) {
	return d.intCall("GetCurrPcieLinkGeneration", d.d.GetCurrPcieLinkGeneration)
}

func (d *recordedDevice) GetMaxPcieLinkGeneration() (int, Return) {
	return d.intCall("GetMaxPcieLinkGeneration", d.d.GetMaxPcieLinkGeneration)
}

func (d *recordedDevice) GetCurrPcieLinkWidth() (int, Return) {
	return d.intCall("GetCurrPcieLinkWidth", d.d.GetCurrPcieLinkWidth)
}

func (d *recordedDevice) GetMaxPcieLinkWidth() (int, Return) {
	return d.intCall("GetMaxPcieLinkWidth", d.d.GetMaxPcieLinkWidth)
}

func (d *recordedDevice) GetNvLinkState(port int) (bool, Return) {
	v, ret := d.d.GetNvLinkState(port)
	d.num("GetNvLinkState", ret, []int64{int64(port)}, b2u(v))
	return v, ret
}

func (d *recordedDevice) GetNvLinkVersion(port int) (uint32, Return) {
	v, ret := d.d.GetNvLinkVersion(port)
	d.num("GetNvLinkVersion", ret, []int64{int64(port)}, uint64(v))
	return v, ret
}

func (d *recordedDevice) GetNvLinkRemoteBusID(port int) (string, Return) {
	v, ret := d.d.GetNvLinkRemoteBusID(port)
	return d.str("GetNvLinkRemoteBusID", v, ret, int64(port))
}

func (d *recordedDevice) GetNvLinkRemoteDeviceType(port int) (NvLinkDeviceType, Return) {
	v, ret := d.d.GetNvLinkRemoteDeviceType(port)
	d.num("GetNvLinkRemoteDeviceType", ret, []int64{int64(port)}, uint64(v))
	return v, ret
}

func (d *recordedDevice) GetNvLinkErrorCounter(port int, c NvLinkErrorCounter) (uint64, Return) {
	v, ret := d.d.GetNvLinkErrorCounter(port, c)
	d.num("GetNvLinkErrorCounter", ret, []int64{int64(port), int64(c)}, v)
	return v, ret
}

func (d *recordedDevice) RegisterEvents(types uint64, set EventSet) Return {
	return d.d.RegisterEvents(types, set)
}

// Replay is a Library that answers from recorded calls: the GPUs of a
// captured machine, where there is none. A call that was not recorded
// answers ErrorNotSupported, as NVML does for a query a GPU lacks.
type Replay struct {
	answers map[string]Call
}

// NewReplay indexes calls; a call recorded twice answers as it did last.
func NewReplay(calls []Call) *Replay {
	r := &Replay{answers: make(map[string]Call, len(calls))}
	for _, c := range calls {
		r.answers[c.key()] = c
	}
	return r
}

func (r *Replay) answer(fn string, dev int, args ...int64) Call {
	c, ok := r.answers[Call{Func: fn, Device: dev, Args: args}.key()]
	if !ok {
		return Call{Return: ErrorNotSupported}
	}
	return c
}

// value is the i-th number of an answer, 0 when it has fewer.
func (c Call) value(i int) uint64 {
	if i < len(c.Values) {
		return c.Values[i]
	}
	return 0
}

// Init implements Library. A recording without Init answers Success.
func (r *Replay) Init() Return {
	if c, ok := r.answers[Call{Func: "Init"}.key()]; ok {
		return c.Return
	}
	return Success
}

// Shutdown implements Library.
func (r *Replay) Shutdown() Return { return Success }

// SystemGetDriverVersion implements Library.
func (r *Replay) SystemGetDriverVersion() (string, Return) {
	c := r.answer("SystemGetDriverVersion", 0)
	return c.String, c.Return
}

// SystemGetCudaDriverVersion implements Library.
func (r *Replay) SystemGetCudaDriverVersion() (int, Return) {
	c := r.answer("SystemGetCudaDriverVersion", 0)
	return int(c.value(0)), c.Return
}

// DeviceGetCount implements Library.
func (r *Replay) DeviceGetCount() (int, Return) {
	c := r.answer("DeviceGetCount", 0)
	return int(c.value(0)), c.Return
}

// DeviceGetHandleByIndex implements Library.
func (r *Replay) DeviceGetHandleByIndex(i int) (Device, Return) {
	if c := r.answer("DeviceGetHandleByIndex", 0, int64(i)); c.Return != Success {
		return nil, c.Return
	}
	return replayedDevice{r, i}, Success
}

// EventSetCreate implements Library: a replay has no events.
func (r *Replay) EventSetCreate() (EventSet, Return) { return nil, ErrorNotSupported }

// replayedDevice answers for one recorded GPU.
type replayedDevice struct {
	r     *Replay
	index int
}

func (d replayedDevice) str(fn string, args ...int64) (string, Return) {
	c := d.r.answer(fn, d.index, args...)
	return c.String, c.Return
}

func (d replayedDevice) num(fn string, args ...int64) (uint64, Return) {
	c := d.r.answer(fn, d.index, args...)
	return c.value(0), c.Return
}

func (d replayedDevice) GetUUID() (string, Return)     { return d.str("GetUUID") }
func (d replayedDevice) GetName() (string, Return)     { return d.str("GetName") }
func (d replayedDevice) GetSerial() (string, Return)   { return d.str("GetSerial") }
func (d replayedDevice) GetPciBusID() (string, Return) { return d.str("GetPciBusID") }

func (d replayedDevice) GetVbiosVersion() (string, Return) { return d.str("GetVbiosVersion") }

func (d replayedDevice) GetInforomImageVersion() (string, Return) {
	return d.str("GetInforomImageVersion")
}

func (d replayedDevice) GetMemoryTotal() (uint64, Return) { return d.num("GetMemoryTotal") }

func (d replayedDevice) GetTemperature() (uint32, Return) {
	v, ret := d.num("GetTemperature")
	return uint32(v), ret
}

func (d replayedDevice) GetPowerUsage() (uint32, Return) {
	v, ret := d.num("GetPowerUsage")
	return uint32(v), ret
}

func (d replayedDevice) GetTotalEccErrors(t MemoryErrorType, c EccCounterType) (uint64, Return) {
	return d.num("GetTotalEccErrors", int64(t), int64(c))
}

func (d replayedDevice) GetRemappedRows() (int, int, bool, bool, Return) {
	c := d.r.answer("GetRemappedRows", d.index)
	return int(c.value(0)), int(c.value(1)), c.value(2) != 0, c.value(3) != 0, c.Return
}

func (d replayedDevice) GetRetiredPageCount(cause PageRetirementCause) (int, Return) {
	v, ret := d.num("GetRetiredPageCount", int64(cause))
	return int(v), ret
}

func (d replayedDevice) GetRetiredPagesPendingStatus() (bool, Return) {
	v, ret := d.num("GetRetiredPagesPendingStatus")
	return v != 0, ret
}

func (d replayedDevice) integer(fn string) (int, Return) {
	v, ret := d.num(fn)
	return int(v), ret
}

func (d replayedDevice) GetPerformanceState() (int, Return) {
	return d.integer("GetPerformanceState")
}

func (d replayedDevice) GetUtilizationRates() (uint32, uint32, Return) {
	c := d.r.answer("GetUtilizationRates", d.index)
	return uint32(c.value(0)), uint32(c.value(1)), c.Return
}

func (d replayedDevice) GetPcieReplayCounter() (int, Return) {
	return d.integer("GetPcieReplayCounter")
}

func (d replayedDevice) GetMinorNumber() (int, Return) { return d.integer("GetMinorNumber") }

func (d replayedDevice) GetCurrPcieLinkGeneration() (int, Return) {
	return d.integer("GetCurrPcieLinkGeneration")
}

func (d replayedDevice) GetMaxPcieLinkGeneration() (int, Return) {
	return d.integer("GetMaxPcieLinkGeneration")
}

func (d replayedDevice) GetCurrPcieLinkWidth() (int, Return) {
	return d.integer("GetCurrPcieLinkWidth")
}

func (d replayedDevice) GetMaxPcieLinkWidth() (int, Return) {
	return d.integer("GetMaxPcieLinkWidth")
}

func (d replayedDevice) GetNvLinkState(port int) (bool, Return) {
	v, ret := d.num("GetNvLinkState", int64(port))
	return v != 0, ret
}

func (d replayedDevice) GetNvLinkVersion(port int) (uint32, Return) {
	v, ret := d.num("GetNvLinkVersion", int64(port))
	return uint32(v), ret
}

func (d replayedDevice) GetNvLinkRemoteBusID(port int) (string, Return) {
	return d.str("GetNvLinkRemoteBusID", int64(port))
}

func (d replayedDevice) GetNvLinkRemoteDeviceType(port int) (NvLinkDeviceType, Return) {
	v, ret := d.num("GetNvLinkRemoteDeviceType", int64(port))
	return NvLinkDeviceType(v), ret
}

func (d replayedDevice) GetNvLinkErrorCounter(port int, c NvLinkErrorCounter) (uint64, Return) {
	return d.num("GetNvLinkErrorCounter", int64(port), int64(c))
}

func (d replayedDevice) RegisterEvents(uint64, EventSet) Return { return ErrorNotSupported }
