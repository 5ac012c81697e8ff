package nvgpu

import "fmt"

// Library is the part of NVML that hwgraph calls. Open binds it to the
// system's libnvidia-ml; tests bind it to go-nvml's DGX mocks
// (internal/testkit/nvmlmock). Method names follow NVML's (nvmlDeviceGetName is
// Device.GetName), with plain Go values where NVML fills a struct.
type Library interface {
	Init() Return
	Shutdown() Return
	SystemGetDriverVersion() (string, Return)
	// SystemGetCudaDriverVersion is the CUDA version the driver supports,
	// 12040 for 12.4.
	SystemGetCudaDriverVersion() (int, Return)
	DeviceGetCount() (int, Return)
	DeviceGetHandleByIndex(index int) (Device, Return)
	EventSetCreate() (EventSet, Return)
}

// Device is one GPU's handle.
type Device interface {
	GetUUID() (string, Return)
	GetName() (string, Return)
	GetSerial() (string, Return)
	GetVbiosVersion() (string, Return)
	GetInforomImageVersion() (string, Return)
	// GetPciBusID is nvmlPciInfo_t's busId: "00000000:3B:00.0".
	GetPciBusID() (string, Return)
	// GetMemoryTotal is nvmlMemory_t's total, in bytes.
	GetMemoryTotal() (uint64, Return)
	// GetTemperature is the GPU die's temperature in °C.
	GetTemperature() (uint32, Return)
	// GetPowerUsage is the board's power draw in milliwatts.
	GetPowerUsage() (uint32, Return)
	GetTotalEccErrors(MemoryErrorType, EccCounterType) (uint64, Return)
	GetRemappedRows() (corrected, uncorrected int, pending, failure bool, ret Return)
	// GetRetiredPageCount counts the pages retired for cause.
	GetRetiredPageCount(cause PageRetirementCause) (int, Return)
	GetRetiredPagesPendingStatus() (bool, Return)
	GetPcieReplayCounter() (int, Return)
	GetMinorNumber() (int, Return)
	// GetPerformanceState is the GPU's P-state: 0 (P0, the most
	// performance) to 15, PerfStateUnknown when NVML cannot tell.
	GetPerformanceState() (int, Return)
	// GetUtilizationRates is the percent of time over the last sample
	// period a kernel ran on the GPU, and its memory was read or written.
	GetUtilizationRates() (gpu, memory uint32, ret Return)
	GetCurrPcieLinkGeneration() (int, Return)
	GetMaxPcieLinkGeneration() (int, Return)
	GetCurrPcieLinkWidth() (int, Return)
	GetMaxPcieLinkWidth() (int, Return)
	// GetNvLinkState is true when the port is up.
	GetNvLinkState(port int) (bool, Return)
	GetNvLinkVersion(port int) (uint32, Return)
	// GetNvLinkRemoteBusID is the busId of the PCI function at the far
	// end of the port.
	GetNvLinkRemoteBusID(port int) (string, Return)
	GetNvLinkRemoteDeviceType(port int) (NvLinkDeviceType, Return)
	GetNvLinkErrorCounter(port int, counter NvLinkErrorCounter) (uint64, Return)
	RegisterEvents(eventTypes uint64, set EventSet) Return
}

// EventSet is an NVML event set.
type EventSet interface {
	// Wait blocks up to timeoutMs for an event; ErrorTimeout when none
	// came.
	Wait(timeoutMs uint32) (EventData, Return)
	Free() Return
}

// EventData is one event: nvmlEventData_t.
type EventData struct {
	Device    Device
	EventType uint64
	// EventData is the Xid for an Xid event.
	EventData uint64
}

// EventTypeXidCriticalError is nvmlEventTypeXidCriticalError.
const EventTypeXidCriticalError uint64 = 0x8

// NvLinkMaxLinks is NVML_NVLINK_MAX_LINKS: no GPU has more ports.
const NvLinkMaxLinks = 36

// Return is an NVML status code, nvmlReturn_t.
type Return int32

// The status codes hwgraph tells apart; their values are nvml.h's
// NVML_SUCCESS, NVML_ERROR_…
const (
	Success                   Return = 0
	ErrorUninitialized        Return = 1
	ErrorInvalidArgument      Return = 2
	ErrorNotSupported         Return = 3
	ErrorNoPermission         Return = 4
	ErrorNotFound             Return = 6
	ErrorInsufficientSize     Return = 7
	ErrorDriverNotLoaded      Return = 9
	ErrorTimeout              Return = 10
	ErrorLibraryNotFound      Return = 12
	ErrorFunctionNotFound     Return = 13
	ErrorCorruptedInforom     Return = 14
	ErrorGPUIsLost            Return = 15
	ErrorResetRequired        Return = 16
	ErrorLibRMVersionMismatch Return = 18
	ErrorUnknown              Return = 999
)

var returnNames = map[Return]string{
	Success:                   "SUCCESS",
	ErrorUninitialized:        "ERROR_UNINITIALIZED",
	ErrorInvalidArgument:      "ERROR_INVALID_ARGUMENT",
	ErrorNotSupported:         "ERROR_NOT_SUPPORTED",
	ErrorNoPermission:         "ERROR_NO_PERMISSION",
	ErrorNotFound:             "ERROR_NOT_FOUND",
	ErrorInsufficientSize:     "ERROR_INSUFFICIENT_SIZE",
	ErrorDriverNotLoaded:      "ERROR_DRIVER_NOT_LOADED",
	ErrorTimeout:              "ERROR_TIMEOUT",
	ErrorLibraryNotFound:      "ERROR_LIBRARY_NOT_FOUND",
	ErrorFunctionNotFound:     "ERROR_FUNCTION_NOT_FOUND",
	ErrorCorruptedInforom:     "ERROR_CORRUPTED_INFOROM",
	ErrorGPUIsLost:            "ERROR_GPU_IS_LOST",
	ErrorResetRequired:        "ERROR_RESET_REQUIRED",
	ErrorLibRMVersionMismatch: "ERROR_LIB_RM_VERSION_MISMATCH",
	ErrorUnknown:              "ERROR_UNKNOWN",
}

// String is the code's name in nvml.h without its NVML_ prefix, as
// go-nvml spells it: "ERROR_NOT_SUPPORTED".
func (r Return) String() string {
	if s, ok := returnNames[r]; ok {
		return s
	}
	return fmt.Sprintf("NVML return %d", int32(r))
}

// MemoryErrorType is nvmlMemoryErrorType_t.
type MemoryErrorType uint32

// Memory error types.
const (
	MemoryErrorCorrected   MemoryErrorType = 0
	MemoryErrorUncorrected MemoryErrorType = 1
)

// EccCounterType is nvmlEccCounterType_t.
type EccCounterType uint32

// ECC counter types: since the driver loaded, or over the GPU's life.
const (
	VolatileECC  EccCounterType = 0
	AggregateECC EccCounterType = 1
)

// PageRetirementCause is nvmlPageRetirementCause_t.
type PageRetirementCause uint32

// Why a page was retired.
const (
	RetiredForSingleBitErrors PageRetirementCause = 0
	RetiredForDoubleBitError  PageRetirementCause = 1
)

// NvLinkErrorCounter is nvmlNvLinkErrorCounter_t.
type NvLinkErrorCounter uint32

// The NVLink data-link error counters.
const (
	NvLinkReplay   NvLinkErrorCounter = 0
	NvLinkRecovery NvLinkErrorCounter = 1
	NvLinkCRCFlit  NvLinkErrorCounter = 2
	NvLinkCRCData  NvLinkErrorCounter = 3
	NvLinkECCData  NvLinkErrorCounter = 4
)

// NvLinkDeviceType is nvmlIntNvLinkDeviceType_t: what is at a port's far
// end.
type NvLinkDeviceType uint32

// Far ends of an NVLink.
const (
	NvLinkDeviceGPU     NvLinkDeviceType = 0x00
	NvLinkDeviceIBMNPU  NvLinkDeviceType = 0x01
	NvLinkDeviceSwitch  NvLinkDeviceType = 0x02
	NvLinkDeviceUnknown NvLinkDeviceType = 0xFF
)
