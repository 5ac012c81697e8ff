package nvgpu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hwgraph/hwgraph/pcie"
)

// System is what NVML says about the machine's NVIDIA GPUs.
type System struct {
	DriverVersion string
	CUDAVersion   string // "12.4"
	GPUs          []GPU
	Problems      []error
}

// GPU is one NVIDIA GPU. Pointer fields are nil when the GPU does not
// support the query (ERROR_NOT_SUPPORTED): a GeForce has no ECC, a T4 no
// NVLink.
type GPU struct {
	Index   int
	UUID    string
	Name    string
	Serial  string
	VBIOS   string
	InfoROM string
	// BusID is the PCI function as sysfs names it, "0000:3b:00.0".
	BusID           string
	MemoryBytes     *uint64
	TemperatureC    *uint32
	PowerMilliwatts *uint32
	// ECC holds corrected and uncorrected counts, volatile (since the
	// driver loaded) and aggregate (lifetime): "volatile_corrected", …
	ECC          map[string]uint64
	RetiredPages *RetiredPages
	RemappedRows *RemappedRows
	PCIeReplays  *uint64
	// Minor is the device node's minor number: /dev/nvidiaN, the
	// "device" label of dcgm-exporter.
	Minor *int
	// PerfState is the P-state (0 to 15, PerfStateUnknown), Utilization
	// the percent of the last sample period a kernel ran; nil when the
	// GPU does not say. LoadErr is why NVML could not be asked either.
	PerfState    *int
	Utilization  *uint32
	LoadErr      error
	LinkGen      *int
	MaxLinkGen   *int
	LinkWidth    *int
	MaxLinkWidth *int
	NVLinks      []NVLink
	// Problems are the queries that failed for another reason than
	// being unsupported.
	Problems []error
}

// RetiredPages is the page-retirement state of pre-Ampere GPUs.
type RetiredPages struct {
	SingleBit, DoubleBit int
	Pending              bool // a retirement waits for the next driver reload
}

// RemappedRows is the row-remapping state of Ampere and later GPUs.
type RemappedRows struct {
	Corrected, Uncorrected int
	Pending                bool // a remap waits for a GPU reset
	Failure                bool // no spare rows left: the GPU must be replaced
}

// NVLink is one NVLink port of a GPU.
type NVLink struct {
	Port    int
	Up      bool
	Version uint32
	// RemoteBusID is the PCI function at the other end: another GPU or an
	// NVSwitch. RemoteType is "gpu", "switch", "ibmnpu" or "unknown".
	RemoteBusID string
	RemoteType  string
	// Errors are the data-link error counters: replay, recovery,
	// crc_flit, crc_data, ecc_data.
	Errors map[string]uint64
}

var nvlinkCounters = []struct {
	name    string
	counter NvLinkErrorCounter
}{
	{"replay", NvLinkReplay},
	{"recovery", NvLinkRecovery},
	{"crc_flit", NvLinkCRCFlit},
	{"crc_data", NvLinkCRCData},
	{"ecc_data", NvLinkECCData},
}

// ErrNoDriver wraps the NVML errors that mean "no NVIDIA GPU here": the
// library is not installed or the kernel driver is not loaded.
var ErrNoDriver = errors.New("no NVIDIA driver")

// Init initialises NVML. A missing library or driver is ErrNoDriver.
func Init(lib Library) error {
	switch ret := lib.Init(); ret {
	case Success:
		return nil
	case ErrorLibraryNotFound, ErrorDriverNotLoaded, ErrorNoPermission:
		return fmt.Errorf("nvml init: %w: %v", ErrNoDriver, ret)
	default:
		return fmt.Errorf("nvml init: %v", ret)
	}
}

// Read queries every GPU. NVML must be initialised. Only a failure to
// count the GPUs is an error; anything else is a problem of one GPU.
func Read(lib Library) (System, error) {
	var s System
	if v, ret := lib.SystemGetDriverVersion(); ret == Success {
		s.DriverVersion = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == Success {
		s.CUDAVersion = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	n, ret := lib.DeviceGetCount()
	if ret != Success {
		return s, fmt.Errorf("nvml device count: %v", ret)
	}
	for i := range n {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != Success {
			// A GPU that fell off the bus fails here (ERROR_GPU_IS_LOST).
			s.Problems = append(s.Problems, fmt.Errorf("nvml gpu %d: %v", i, ret))
			continue
		}
		s.GPUs = append(s.GPUs, readGPU(dev, i))
	}
	return s, nil
}

// query checks one NVML getter's answer: the value on success, nothing
// when the GPU does not support it, a problem otherwise. It returns a
// function so a getter's two results can be passed to it directly.
func query[T any](g *GPU, what string) func(T, Return) (T, bool) {
	return func(v T, ret Return) (T, bool) {
		switch ret {
		case Success:
			return v, true
		case ErrorNotSupported:
		default:
			g.Problems = append(g.Problems, fmt.Errorf("gpu %d %s: %v", g.Index, what, ret))
		}
		var zero T
		return zero, false
	}
}

func ptr[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

func readGPU(dev Device, index int) GPU {
	g := GPU{Index: index}
	g.UUID, _ = query[string](&g, "uuid")(dev.GetUUID())
	g.Name, _ = query[string](&g, "name")(dev.GetName())
	g.Serial, _ = query[string](&g, "serial")(dev.GetSerial())
	g.VBIOS, _ = query[string](&g, "vbios")(dev.GetVbiosVersion())
	g.InfoROM, _ = query[string](&g, "inforom")(dev.GetInforomImageVersion())
	if bus, ok := query[string](&g, "pci info")(dev.GetPciBusID()); ok {
		g.BusID = busID(bus)
	}
	g.MemoryBytes = ptr(query[uint64](&g, "memory")(dev.GetMemoryTotal()))
	g.TemperatureC = ptr(query[uint32](&g, "temperature")(dev.GetTemperature()))
	g.PowerMilliwatts = ptr(query[uint32](&g, "power")(dev.GetPowerUsage()))
	readECC(&g, dev)
	readRetirement(&g, dev)
	if v, ok := query[int](&g, "pcie replay counter")(dev.GetPcieReplayCounter()); ok {
		g.PCIeReplays = ptr(uint64(v), true)
	}
	g.Minor = ptr(query[int](&g, "minor number")(dev.GetMinorNumber()))
	readLoad(&g, dev)
	g.LinkGen = ptr(query[int](&g, "pcie link generation")(dev.GetCurrPcieLinkGeneration()))
	g.MaxLinkGen = ptr(query[int](&g, "pcie max link generation")(dev.GetMaxPcieLinkGeneration()))
	g.LinkWidth = ptr(query[int](&g, "pcie link width")(dev.GetCurrPcieLinkWidth()))
	g.MaxLinkWidth = ptr(query[int](&g, "pcie max link width")(dev.GetMaxPcieLinkWidth()))
	g.NVLinks = readNVLinks(&g, dev)
	return g
}

// PerfStateUnknown is NVML_PSTATE_UNKNOWN.
const PerfStateUnknown = 32

// readLoad asks how busy the GPU is: what tells a link trained down to
// save power from one trained down for a fault.
func readLoad(g *GPU, dev Device) {
	n := len(g.Problems)
	g.PerfState = ptr(query[int](g, "performance state")(dev.GetPerformanceState()))
	u, _, ret := dev.GetUtilizationRates()
	g.Utilization = ptr(query[uint32](g, "utilization")(u, ret))
	if len(g.Problems) > n {
		g.LoadErr = errors.Join(g.Problems[n:]...)
	}
}

func readECC(g *GPU, dev Device) {
	for _, c := range []struct {
		name    string
		errType MemoryErrorType
		counter EccCounterType
	}{
		{"volatile_corrected", MemoryErrorCorrected, VolatileECC},
		{"volatile_uncorrected", MemoryErrorUncorrected, VolatileECC},
		{"aggregate_corrected", MemoryErrorCorrected, AggregateECC},
		{"aggregate_uncorrected", MemoryErrorUncorrected, AggregateECC},
	} {
		v, ret := dev.GetTotalEccErrors(c.errType, c.counter)
		if v, ok := query[uint64](g, "ecc "+c.name)(v, ret); ok {
			if g.ECC == nil {
				g.ECC = map[string]uint64{}
			}
			g.ECC[c.name] = v
		} else if ret == ErrorNotSupported {
			return // ECC off or absent: no counter will answer
		}
	}
}

func readRetirement(g *GPU, dev Device) {
	if c, u, pending, failure, ret := dev.GetRemappedRows(); ret == Success {
		g.RemappedRows = &RemappedRows{Corrected: c, Uncorrected: u, Pending: pending, Failure: failure}
		return
	} else if ret != ErrorNotSupported {
		g.Problems = append(g.Problems, fmt.Errorf("gpu %d remapped rows: %v", g.Index, ret))
	}
	// Before Ampere, bad memory retires whole pages instead.
	sbe, ok := query[int](g, "retired pages")(dev.GetRetiredPageCount(RetiredForSingleBitErrors))
	if !ok {
		return
	}
	dbe, _ := query[int](g, "retired pages")(dev.GetRetiredPageCount(RetiredForDoubleBitError))
	pending, _ := query[bool](g, "retired pages pending")(dev.GetRetiredPagesPendingStatus())
	g.RetiredPages = &RetiredPages{SingleBit: sbe, DoubleBit: dbe, Pending: pending}
}

func readNVLinks(g *GPU, dev Device) []NVLink {
	var out []NVLink
	for port := range NvLinkMaxLinks {
		state, ret := dev.GetNvLinkState(port)
		if ret == ErrorNotSupported || ret == ErrorInvalidArgument {
			// No NVLink at all, or past the GPU's last port.
			break
		}
		if ret != Success {
			g.Problems = append(g.Problems, fmt.Errorf("gpu %d nvlink %d state: %v", g.Index, port, ret))
			continue
		}
		l := NVLink{Port: port, Up: state, RemoteType: "unknown"}
		l.Version, _ = query[uint32](g, fmt.Sprintf("nvlink %d version", port))(dev.GetNvLinkVersion(port))
		if bus, ok := query[string](g, fmt.Sprintf("nvlink %d remote", port))(dev.GetNvLinkRemoteBusID(port)); ok {
			l.RemoteBusID = busID(bus)
		}
		if t, ok := query[NvLinkDeviceType](g, fmt.Sprintf("nvlink %d remote type", port))(dev.GetNvLinkRemoteDeviceType(port)); ok {
			l.RemoteType = remoteTypes[t]
		}
		for _, c := range nvlinkCounters {
			if v, ok := query[uint64](g, fmt.Sprintf("nvlink %d %s", port, c.name))(dev.GetNvLinkErrorCounter(port, c.counter)); ok {
				if l.Errors == nil {
					l.Errors = map[string]uint64{}
				}
				l.Errors[c.name] = v
			}
		}
		out = append(out, l)
	}
	return out
}

var remoteTypes = map[NvLinkDeviceType]string{
	NvLinkDeviceGPU:     "gpu",
	NvLinkDeviceIBMNPU:  "ibmnpu",
	NvLinkDeviceSwitch:  "switch",
	NvLinkDeviceUnknown: "unknown",
}

// busID turns NVML's "00000000:3B:00.0" into sysfs's "0000:3b:00.0".
func busID(nv string) string {
	a, err := pcie.ParseAddress(nv)
	if err != nil {
		return strings.ToLower(nv)
	}
	return a.String()
}
