//go:build cgo

package nvmlmock

import (
	"fmt"
	"strings"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// The PCI addresses of the eight GPUs and six NVSwitches of a DGX A100
// (nvidia-smi -q on one); the mocks number their GPUs 0000:0N:00.0.
var (
	GPUBus    = []string{"0000:07:00.0", "0000:0f:00.0", "0000:47:00.0", "0000:4e:00.0", "0000:87:00.0", "0000:90:00.0", "0000:b7:00.0", "0000:bd:00.0"}
	SwitchBus = []string{"0000:c4:00.0", "0000:c5:00.0", "0000:c6:00.0", "0000:c7:00.0", "0000:c8:00.0", "0000:c9:00.0"}
)

// PciInfo is the nvmlPciInfo_t NVML gives for a sysfs address.
func PciInfo(bus string) nvml.PciInfo {
	var p nvml.PciInfo
	for i, c := range "0000" + strings.ToUpper(bus) { // NVML spells the domain with 8 digits
		p.BusId[i] = int8(c)
	}
	return p
}

// Fabric is the NVLink state the mocks answer from; tests change it
// between scans with Set.
type Fabric struct {
	mu     sync.Mutex
	Remote func(gpu, port int) (bus string, kind nvml.IntNvLinkDeviceType)
	Ports  int
	Down   map[[2]int]bool   // {gpu, port} that are down
	CRC    map[[2]int]uint64 // {gpu, port} → CRC flit errors
}

// Set changes the fabric under its lock.
func (fb *Fabric) Set(fn func()) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	fn()
}

// Switched is the DGX fabric: 12 ports a GPU (NVLink 3), two to each of
// six NVSwitches.
func Switched() *Fabric {
	return &Fabric{Ports: 12, Down: map[[2]int]bool{}, CRC: map[[2]int]uint64{},
		Remote: func(_, port int) (string, nvml.IntNvLinkDeviceType) {
			return SwitchBus[port/2], nvml.NVLINK_DEVICE_TYPE_SWITCH
		}}
}

// Wire sets the func fields hwgraph calls on every mock device: the mocks
// leave them nil, and a nil one panics, so a call hwgraph adds without
// an answer here fails its test at once. Serials, firmware versions and
// sensor readings are a DGX A100's as nvidia-smi -q shows them.
func Wire(srv *server.Server, fb *Fabric) {
	for i, d := range srv.Devices {
		dev := d.(*server.Device)
		dev.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) { return PciInfo(GPUBus[i]), nvml.SUCCESS }
		dev.GetSerialFunc = func() (string, nvml.Return) { return fmt.Sprintf("16520220%05d", i), nvml.SUCCESS }
		dev.GetVbiosVersionFunc = func() (string, nvml.Return) { return "92.00.45.00.03", nvml.SUCCESS }
		dev.GetInforomImageVersionFunc = func() (string, nvml.Return) { return "G500.0200.00.03", nvml.SUCCESS }
		dev.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(30 + i), nvml.SUCCESS }
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 61234, nvml.SUCCESS }
		dev.GetTotalEccErrorsFunc = func(t nvml.MemoryErrorType, c nvml.EccCounterType) (uint64, nvml.Return) {
			if t == nvml.MEMORY_ERROR_TYPE_CORRECTED {
				return uint64(i), nvml.SUCCESS
			}
			return 0, nvml.SUCCESS
		}
		dev.GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return i, 0, false, false, nvml.SUCCESS }
		dev.GetPcieReplayCounterFunc = func() (int, nvml.Return) { return 0, nvml.SUCCESS }
		dev.GetPerformanceStateFunc = func() (nvml.Pstates, nvml.Return) { return nvml.PSTATE_0, nvml.SUCCESS }
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, nvml.SUCCESS }
		dev.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 4, nvml.SUCCESS }
		dev.GetMaxPcieLinkGenerationFunc = func() (int, nvml.Return) { return 4, nvml.SUCCESS }
		dev.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
		dev.GetMaxPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
		dev.GetNvLinkStateFunc = func(port int) (nvml.EnableState, nvml.Return) {
			fb.mu.Lock()
			defer fb.mu.Unlock()
			if port >= fb.Ports {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			if fb.Down[[2]int{i, port}] {
				return nvml.FEATURE_DISABLED, nvml.SUCCESS
			}
			return nvml.FEATURE_ENABLED, nvml.SUCCESS
		}
		dev.GetNvLinkVersionFunc = func(int) (uint32, nvml.Return) { return 3, nvml.SUCCESS }
		dev.GetNvLinkRemotePciInfoFunc = func(port int) (nvml.PciInfo, nvml.Return) {
			bus, _ := fb.Remote(i, port)
			return PciInfo(bus), nvml.SUCCESS
		}
		dev.GetNvLinkRemoteDeviceTypeFunc = func(port int) (nvml.IntNvLinkDeviceType, nvml.Return) {
			_, kind := fb.Remote(i, port)
			return kind, nvml.SUCCESS
		}
		dev.GetNvLinkErrorCounterFunc = func(port int, c nvml.NvLinkErrorCounter) (uint64, nvml.Return) {
			fb.mu.Lock()
			defer fb.mu.Unlock()
			if c == nvml.NVLINK_ERROR_DL_CRC_FLIT {
				return fb.CRC[[2]int{i, port}], nvml.SUCCESS
			}
			return 0, nvml.SUCCESS
		}
	}
}
