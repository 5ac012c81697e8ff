//go:build cgo

package nvgpu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

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
	counter nvml.NvLinkErrorCounter
}{
	{"replay", nvml.NVLINK_ERROR_DL_REPLAY},
	{"recovery", nvml.NVLINK_ERROR_DL_RECOVERY},
	{"crc_flit", nvml.NVLINK_ERROR_DL_CRC_FLIT},
	{"crc_data", nvml.NVLINK_ERROR_DL_CRC_DATA},
	{"ecc_data", nvml.NVLINK_ERROR_DL_ECC_DATA},
}

// ErrNoDriver wraps the NVML errors that mean "no NVIDIA GPU here": the
// library is not installed or the kernel driver is not loaded.
var ErrNoDriver = errors.New("no NVIDIA driver")

// Init initialises NVML. A missing library or driver is ErrNoDriver.
func Init(lib nvml.Interface) error {
	switch ret := lib.Init(); ret {
	case nvml.SUCCESS:
		return nil
	case nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED, nvml.ERROR_NO_PERMISSION:
		return fmt.Errorf("nvml init: %w: %v", ErrNoDriver, ret)
	default:
		return fmt.Errorf("nvml init: %v", ret)
	}
}

// Read queries every GPU. NVML must be initialised. Only a failure to
// count the GPUs is an error; anything else is a problem of one GPU.
func Read(lib nvml.Interface) (System, error) {
	var s System
	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		s.DriverVersion = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		s.CUDAVersion = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return s, fmt.Errorf("nvml device count: %v", ret)
	}
	for i := range n {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
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
func query[T any](g *GPU, what string) func(T, nvml.Return) (T, bool) {
	return func(v T, ret nvml.Return) (T, bool) {
		switch ret {
		case nvml.SUCCESS:
			return v, true
		case nvml.ERROR_NOT_SUPPORTED:
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

func readGPU(dev nvml.Device, index int) GPU {
	g := GPU{Index: index}
	g.UUID, _ = query[string](&g, "uuid")(dev.GetUUID())
	g.Name, _ = query[string](&g, "name")(dev.GetName())
	g.Serial, _ = query[string](&g, "serial")(dev.GetSerial())
	g.VBIOS, _ = query[string](&g, "vbios")(dev.GetVbiosVersion())
	g.InfoROM, _ = query[string](&g, "inforom")(dev.GetInforomImageVersion())
	if pci, ok := query[nvml.PciInfo](&g, "pci info")(dev.GetPciInfo()); ok {
		g.BusID = busID(pci)
	}
	if mem, ok := query[nvml.Memory](&g, "memory")(dev.GetMemoryInfo()); ok {
		g.MemoryBytes = &mem.Total
	}
	g.TemperatureC = ptr(query[uint32](&g, "temperature")(dev.GetTemperature(nvml.TEMPERATURE_GPU)))
	g.PowerMilliwatts = ptr(query[uint32](&g, "power")(dev.GetPowerUsage()))
	readECC(&g, dev)
	readRetirement(&g, dev)
	if v, ok := query[int](&g, "pcie replay counter")(dev.GetPcieReplayCounter()); ok {
		g.PCIeReplays = ptr(uint64(v), true)
	}
	g.LinkGen = ptr(query[int](&g, "pcie link generation")(dev.GetCurrPcieLinkGeneration()))
	g.MaxLinkGen = ptr(query[int](&g, "pcie max link generation")(dev.GetMaxPcieLinkGeneration()))
	g.LinkWidth = ptr(query[int](&g, "pcie link width")(dev.GetCurrPcieLinkWidth()))
	g.MaxLinkWidth = ptr(query[int](&g, "pcie max link width")(dev.GetMaxPcieLinkWidth()))
	g.NVLinks = readNVLinks(&g, dev)
	return g
}

func readECC(g *GPU, dev nvml.Device) {
	for _, c := range []struct {
		name    string
		errType nvml.MemoryErrorType
		counter nvml.EccCounterType
	}{
		{"volatile_corrected", nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.VOLATILE_ECC},
		{"volatile_uncorrected", nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC},
		{"aggregate_corrected", nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.AGGREGATE_ECC},
		{"aggregate_uncorrected", nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.AGGREGATE_ECC},
	} {
		v, ret := dev.GetTotalEccErrors(c.errType, c.counter)
		if v, ok := query[uint64](g, "ecc "+c.name)(v, ret); ok {
			if g.ECC == nil {
				g.ECC = map[string]uint64{}
			}
			g.ECC[c.name] = v
		} else if ret == nvml.ERROR_NOT_SUPPORTED {
			return // ECC off or absent: no counter will answer
		}
	}
}

func readRetirement(g *GPU, dev nvml.Device) {
	if c, u, pending, failure, ret := dev.GetRemappedRows(); ret == nvml.SUCCESS {
		g.RemappedRows = &RemappedRows{Corrected: c, Uncorrected: u, Pending: pending, Failure: failure}
		return
	} else if ret != nvml.ERROR_NOT_SUPPORTED {
		g.Problems = append(g.Problems, fmt.Errorf("gpu %d remapped rows: %v", g.Index, ret))
	}
	// Before Ampere, bad memory retires whole pages instead.
	sbe, ok := query[[]uint64](g, "retired pages")(dev.GetRetiredPages(nvml.PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS))
	if !ok {
		return
	}
	dbe, _ := query[[]uint64](g, "retired pages")(dev.GetRetiredPages(nvml.PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR))
	pending, _ := query[nvml.EnableState](g, "retired pages pending")(dev.GetRetiredPagesPendingStatus())
	g.RetiredPages = &RetiredPages{SingleBit: len(sbe), DoubleBit: len(dbe), Pending: pending == nvml.FEATURE_ENABLED}
}

func readNVLinks(g *GPU, dev nvml.Device) []NVLink {
	var out []NVLink
	for port := range nvml.NVLINK_MAX_LINKS {
		state, ret := dev.GetNvLinkState(port)
		if ret == nvml.ERROR_NOT_SUPPORTED || ret == nvml.ERROR_INVALID_ARGUMENT {
			// No NVLink at all, or past the GPU's last port.
			break
		}
		if ret != nvml.SUCCESS {
			g.Problems = append(g.Problems, fmt.Errorf("gpu %d nvlink %d state: %v", g.Index, port, ret))
			continue
		}
		l := NVLink{Port: port, Up: state == nvml.FEATURE_ENABLED, RemoteType: "unknown"}
		l.Version, _ = query[uint32](g, fmt.Sprintf("nvlink %d version", port))(dev.GetNvLinkVersion(port))
		if pci, ok := query[nvml.PciInfo](g, fmt.Sprintf("nvlink %d remote", port))(dev.GetNvLinkRemotePciInfo(port)); ok {
			l.RemoteBusID = busID(pci)
		}
		if t, ok := query[nvml.IntNvLinkDeviceType](g, fmt.Sprintf("nvlink %d remote type", port))(dev.GetNvLinkRemoteDeviceType(port)); ok {
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

var remoteTypes = map[nvml.IntNvLinkDeviceType]string{
	nvml.NVLINK_DEVICE_TYPE_GPU:     "gpu",
	nvml.NVLINK_DEVICE_TYPE_IBMNPU:  "ibmnpu",
	nvml.NVLINK_DEVICE_TYPE_SWITCH:  "switch",
	nvml.NVLINK_DEVICE_TYPE_UNKNOWN: "unknown",
}

// busID turns NVML's "00000000:3B:00.0" into sysfs's "0000:3b:00.0".
func busID(p nvml.PciInfo) string {
	var b strings.Builder
	for _, c := range p.BusId {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	a, err := pcie.ParseAddress(b.String())
	if err != nil {
		return strings.ToLower(b.String())
	}
	return a.String()
}
