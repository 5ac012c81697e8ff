//go:build linux && cgo

package nvgpu_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/nvmlmock"
	"github.com/hwgraph/hwgraph/nvgpu"
)

// TestOpenReadsNVMLThroughTheCABI checks the purego binding the way it
// meets a real libnvidia-ml: through the C ABI of a shared library
// compiled against NVIDIA's nvml.h as go-nvml ships it, so every function
// it defines must have the header's exact signature. (go-nvml's copy
// wraps each handle in a struct of one pointer, which the C ABI passes
// exactly as the pointer itself.) The library
// answers what go-nvml's DGX mocks answered, call for call (recorded by
// nvgpu.Recorder); reading it through Open must give what reading the
// mock itself gave, field for field. A wrong argument type, struct layout
// or string buffer in the binding shows up as a difference.
func TestOpenReadsNVMLThroughTheCABI(t *testing.T) {
	for name, tc := range map[string]struct {
		srv   *server.Server
		setup func(*server.Server)
	}{
		"dgxh100": {srv: dgxh100.New()},
		"dgxa100": {srv: dgxa100.New()},
		// A pre-Ampere GPU (page retirement instead of row remapping), a
		// GPU without ECC, one whose serial query fails, and one that
		// fell off the bus: the paths where NVML says no.
		"dgxa100 with faults": {srv: dgxa100.New(), setup: func(srv *server.Server) {
			d0 := srv.Devices[0].(*server.Device)
			d0.GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) { return 0, 0, false, false, nvml.ERROR_NOT_SUPPORTED }
			d0.GetRetiredPagesFunc = func(c nvml.PageRetirementCause) ([]uint64, nvml.Return) {
				if c == nvml.PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS {
					return make([]uint64, 130), nvml.SUCCESS // past the binding's first buffer of 64
				}
				return []uint64{0x1000}, nvml.SUCCESS
			}
			d0.GetRetiredPagesPendingStatusFunc = func() (nvml.EnableState, nvml.Return) { return nvml.FEATURE_ENABLED, nvml.SUCCESS }
			d1 := srv.Devices[1].(*server.Device)
			d1.GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
				return 0, nvml.ERROR_NOT_SUPPORTED
			}
			srv.Devices[2].(*server.Device).GetSerialFunc = func() (string, nvml.Return) { return "", nvml.ERROR_UNKNOWN }
			lost := srv.Devices[3]
			srv.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
				if srv.Devices[i] == lost {
					return nil, nvml.ERROR_GPU_IS_LOST
				}
				return srv.Devices[i], nvml.SUCCESS
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			nvmlmock.Wire(tc.srv, nvmlmock.Switched())
			if tc.setup != nil {
				tc.setup(tc.srv)
			}
			rec := &nvgpu.Recorder{Library: nvmlmock.Library(tc.srv)}
			want := read(t, rec)
			lib := openFake(t, rec.Calls(), -1, 0)
			got := read(t, lib)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("through the C library:\n%+v\nfrom the mock:\n%+v", got, want)
			}
			if len(want.GPUs) == 0 || want.GPUs[0].Name == "" || len(want.GPUs[0].NVLinks) != 12 {
				t.Errorf("the mock answered too little to compare: %+v", want)
			}
		})
	}
}

// TestOpenWatchesXidsThroughTheCABI: an Xid event the C library delivers
// arrives with its code and the GPU's PCI address.
func TestOpenWatchesXidsThroughTheCABI(t *testing.T) {
	srv := dgxh100.New()
	nvmlmock.Wire(srv, nvmlmock.Switched())
	rec := &nvgpu.Recorder{Library: nvmlmock.Library(srv)}
	read(t, rec)
	lib := openFake(t, rec.Calls(), 5, 79)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan nvgpu.Xid, 1)
	done := make(chan error, 1)
	go func() {
		done <- nvgpu.WatchXids(ctx, lib, func(x nvgpu.Xid) {
			got <- x
			cancel()
		})
	}()
	// The callback cancels the watch, so it ends either way: what
	// matters is whether the Xid arrived first.
	err := <-done
	select {
	case x := <-got:
		if x.Code != 79 || x.BusID != nvmlmock.GPUBus[5] || x.UUID != srv.Devices[5].(*server.Device).UUID {
			t.Errorf("xid %+v", x)
		}
	default:
		t.Fatalf("watch ended without an Xid: %v", err)
	}
	if err != context.Canceled {
		t.Errorf("watch: %v", err)
	}
}

// TestOpenWithoutLibrary: no libnvidia-ml is ErrNoDriver.
func TestOpenWithoutLibrary(t *testing.T) {
	if _, err := nvgpu.Open(filepath.Join(t.TempDir(), "libnvidia-ml.so.1")); err == nil || !strings.Contains(err.Error(), "no NVIDIA driver") {
		t.Errorf("err %v", err)
	}
}

func read(t *testing.T, lib nvgpu.Library) nvgpu.System {
	t.Helper()
	if err := nvgpu.Init(lib); err != nil {
		t.Fatal(err)
	}
	s, err := nvgpu.Read(lib)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openFake compiles a libnvidia-ml that answers calls, and delivers one
// Xid (code) for GPU xidGPU when that is not -1, then opens it.
func openFake(t *testing.T, calls []nvgpu.Call, xidGPU int, code uint64) nvgpu.Library {
	t.Helper()
	cc := fixture.Tool(t, "gcc", "gcc")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/NVIDIA/go-nvml").Output()
	if err != nil {
		t.Fatalf("go list go-nvml: %v", err)
	}
	header := filepath.Join(strings.TrimSpace(string(out)), "pkg", "nvml")
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	if err := os.WriteFile(src, []byte(fakeSource(calls, xidGPU, code)), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "libnvidia-ml.so.1")
	build := exec.Command(cc, "-shared", "-fPIC", "-Wall", "-Werror", "-Wno-deprecated-declarations",
		"-DNVML_NO_UNVERSIONED_FUNC_DEFS", "-I", header, "-o", so, src)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("compiling the fake NVML: %v\n%s", err, b)
	}
	lib, err := nvgpu.Open(so)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// fakeSource is a C NVML whose functions look their answer up in a table
// of the recorded calls.
func fakeSource(calls []nvgpu.Call, xidGPU int, code uint64) string {
	var b strings.Builder
	b.WriteString(fakeHead)
	b.WriteString("static const answer answers[] = {\n")
	for _, c := range calls {
		var a [2]int64
		copy(a[:], c.Args)
		var v [4]uint64
		copy(v[:], c.Values)
		fmt.Fprintf(&b, "\t{%s, %d, %d, {%d, %d}, %d, %s, {%dULL, %dULL, %dULL, %dULL}},\n",
			strconv.Quote(c.Func), c.Device, len(c.Args), a[0], a[1], c.Return, strconv.Quote(c.String), v[0], v[1], v[2], v[3])
	}
	b.WriteString("};\n")
	fmt.Fprintf(&b, "#define XID_GPU %d\n#define XID_CODE %dULL\n", xidGPU, code)
	b.WriteString(fakeBody)
	return b.String()
}

const fakeHead = `#include <string.h>
#include <unistd.h>
#include "nvml.h"

typedef struct {
	const char *fn;
	int dev, nargs;
	long long args[2];
	int ret;
	const char *str;
	unsigned long long v[4];
} answer;

struct nvmlDevice_st { int index; };
struct nvmlEventSet_st { int sent; };
`

const fakeBody = `
static struct nvmlDevice_st devices[64];
static struct nvmlEventSet_st eventSet;

static const answer *find(const char *fn, int dev, int nargs, long long a0, long long a1) {
	for (unsigned i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		const answer *a = &answers[i];
		if (strcmp(a->fn, fn) == 0 && a->dev == dev && a->nargs == nargs &&
		    (nargs < 1 || a->args[0] == a0) && (nargs < 2 || a->args[1] == a1))
			return a;
	}
	return 0;
}

#define FIND(fn, d, n, a0, a1) const answer *a = find(fn, d, n, a0, a1); if (!a) return NVML_ERROR_NOT_SUPPORTED
#define DEV(d) ((d).handle->index)

static nvmlReturn_t str(const answer *a, char *buf, unsigned int n) {
	if (strlen(a->str) + 1 > n) return NVML_ERROR_INSUFFICIENT_SIZE;
	strcpy(buf, a->str);
	return a->ret;
}

static nvmlReturn_t pci(const answer *a, nvmlPciInfo_t *p) {
	memset(p, 0, sizeof *p);
	strncpy(p->busId, a->str, sizeof p->busId - 1);
	strncpy(p->busIdLegacy, a->str, sizeof p->busIdLegacy - 1);
	return a->ret;
}

nvmlReturn_t nvmlInit_v2(void) { const answer *a = find("Init", 0, 0, 0, 0); return a ? a->ret : NVML_SUCCESS; }
nvmlReturn_t nvmlShutdown(void) { return NVML_SUCCESS; }
nvmlReturn_t nvmlSystemGetDriverVersion(char *v, unsigned int n) { FIND("SystemGetDriverVersion", 0, 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v) { FIND("SystemGetCudaDriverVersion", 0, 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { FIND("DeviceGetCount", 0, 0, 0, 0); *n = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) {
	FIND("DeviceGetHandleByIndex", 0, 1, i, 0);
	devices[i].index = i;
	d->handle = &devices[i];
	return a->ret;
}
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *v, unsigned int n) { FIND("GetUUID", DEV(d), 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *v, unsigned int n) { FIND("GetName", DEV(d), 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t d, char *v, unsigned int n) { FIND("GetSerial", DEV(d), 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t d, char *v, unsigned int n) { FIND("GetVbiosVersion", DEV(d), 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlDeviceGetInforomImageVersion(nvmlDevice_t d, char *v, unsigned int n) { FIND("GetInforomImageVersion", DEV(d), 0, 0, 0); return str(a, v, n); }
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *p) { FIND("GetPciBusID", DEV(d), 0, 0, 0); return pci(a, p); }
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
	FIND("GetMemoryTotal", DEV(d), 0, 0, 0);
	m->total = a->v[0]; m->free = 1; m->used = 2;
	return a->ret;
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, nvmlTemperatureSensors_t s, unsigned int *t) {
	if (s != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
	FIND("GetTemperature", DEV(d), 0, 0, 0); *t = a->v[0]; return a->ret;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *p) { FIND("GetPowerUsage", DEV(d), 0, 0, 0); *p = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, nvmlMemoryErrorType_t t, nvmlEccCounterType_t c, unsigned long long *n) {
	FIND("GetTotalEccErrors", DEV(d), 2, t, c); *n = a->v[0]; return a->ret;
}
nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int *c, unsigned int *u, unsigned int *p, unsigned int *f) {
	FIND("GetRemappedRows", DEV(d), 0, 0, 0);
	*c = a->v[0]; *u = a->v[1]; *p = a->v[2]; *f = a->v[3];
	return a->ret;
}
nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, nvmlPageRetirementCause_t cause, unsigned int *count, unsigned long long *addrs) {
	FIND("GetRetiredPageCount", DEV(d), 1, cause, 0);
	if (a->ret != NVML_SUCCESS) return a->ret;
	unsigned int have = *count;
	*count = a->v[0];
	if (have < a->v[0]) return NVML_ERROR_INSUFFICIENT_SIZE;
	for (unsigned int i = 0; i < a->v[0]; i++) addrs[i] = 0x1000ULL * (i + 1);
	return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, nvmlEnableState_t *s) {
	FIND("GetRetiredPagesPendingStatus", DEV(d), 0, 0, 0); *s = a->v[0] ? NVML_FEATURE_ENABLED : NVML_FEATURE_DISABLED; return a->ret;
}
nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned int *v) { FIND("GetPcieReplayCounter", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t d, unsigned int *v) { FIND("GetMinorNumber", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t d, nvmlPstates_t *v) { FIND("GetPerformanceState", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
	FIND("GetUtilizationRates", DEV(d), 0, 0, 0);
	u->gpu = a->v[0]; u->memory = a->v[1];
	return a->ret;
}
nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t d, unsigned int *v) { FIND("GetCurrPcieLinkGeneration", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t d, unsigned int *v) { FIND("GetMaxPcieLinkGeneration", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t d, unsigned int *v) { FIND("GetCurrPcieLinkWidth", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t d, unsigned int *v) { FIND("GetMaxPcieLinkWidth", DEV(d), 0, 0, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t d, unsigned int l, nvmlEnableState_t *s) {
	FIND("GetNvLinkState", DEV(d), 1, l, 0); *s = a->v[0] ? NVML_FEATURE_ENABLED : NVML_FEATURE_DISABLED; return a->ret;
}
nvmlReturn_t nvmlDeviceGetNvLinkVersion(nvmlDevice_t d, unsigned int l, unsigned int *v) { FIND("GetNvLinkVersion", DEV(d), 1, l, 0); *v = a->v[0]; return a->ret; }
nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t d, unsigned int l, nvmlPciInfo_t *p) { FIND("GetNvLinkRemoteBusID", DEV(d), 1, l, 0); return pci(a, p); }
nvmlReturn_t nvmlDeviceGetNvLinkRemoteDeviceType(nvmlDevice_t d, unsigned int l, nvmlIntNvLinkDeviceType_t *t) {
	FIND("GetNvLinkRemoteDeviceType", DEV(d), 1, l, 0); *t = a->v[0]; return a->ret;
}
nvmlReturn_t nvmlDeviceGetNvLinkErrorCounter(nvmlDevice_t d, unsigned int l, nvmlNvLinkErrorCounter_t c, unsigned long long *v) {
	FIND("GetNvLinkErrorCounter", DEV(d), 2, l, c); *v = a->v[0]; return a->ret;
}

nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *s) { s->handle = &eventSet; return NVML_SUCCESS; }
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, nvmlEventSet_t s) {
	(void)d;
	if (s.handle != &eventSet || !(types & nvmlEventTypeXidCriticalError)) return NVML_ERROR_INVALID_ARGUMENT;
	return NVML_SUCCESS;
}
nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t s, nvmlEventData_t *e, unsigned int timeoutms) {
	if (XID_GPU >= 0 && !s.handle->sent) {
		s.handle->sent = 1;
		memset(e, 0, sizeof *e);
		e->device.handle = &devices[XID_GPU];
		e->eventType = nvmlEventTypeXidCriticalError;
		e->eventData = XID_CODE;
		e->gpuInstanceId = 0xFFFFFFFF;
		e->computeInstanceId = 0xFFFFFFFF;
		return NVML_SUCCESS;
	}
	usleep((timeoutms < 10 ? timeoutms : 10) * 1000);
	return NVML_ERROR_TIMEOUT;
}
nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t s) { (void)s; return NVML_SUCCESS; }
`
