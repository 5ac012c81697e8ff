package nvgpu

import (
	"context"
	"fmt"
	"time"
)

// Xid is one Xid error the driver reported for a GPU.
type Xid struct {
	Time  time.Time
	UUID  string
	BusID string
	Code  uint64
}

// waitSlice is how long one EventSetWait blocks: short enough that a
// cancelled watch ends promptly, long enough to cost nothing.
const waitSlice = 500 // ms

// WatchXids registers every GPU for critical Xid events and calls fn for
// each until ctx is done. NVML must be initialised. GPUs that do not
// support events are skipped; none supporting them is an error.
func WatchXids(ctx context.Context, lib Library, fn func(Xid)) error {
	set, ret := lib.EventSetCreate()
	if ret != Success {
		return fmt.Errorf("nvml event set: %v", ret)
	}
	defer set.Free()
	n, ret := lib.DeviceGetCount()
	if ret != Success {
		return fmt.Errorf("nvml device count: %v", ret)
	}
	registered := 0
	for i := range n {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != Success {
			continue
		}
		if dev.RegisterEvents(EventTypeXidCriticalError, set) == Success {
			registered++
		}
	}
	if registered == 0 {
		return fmt.Errorf("nvml: no GPU of %d supports Xid events", n)
	}
	for ctx.Err() == nil {
		data, ret := set.Wait(waitSlice)
		switch {
		case ret == ErrorTimeout:
			continue
		case ret != Success:
			return fmt.Errorf("nvml event wait: %v", ret)
		case data.EventType&EventTypeXidCriticalError == 0:
			continue
		}
		x := Xid{Time: time.Now(), Code: data.EventData}
		if data.Device != nil {
			x.UUID, _ = data.Device.GetUUID()
			if bus, ret := data.Device.GetPciBusID(); ret == Success {
				x.BusID = busID(bus)
			}
		}
		fn(x)
	}
	return ctx.Err()
}

// XidEffect is what an Xid means for the GPU's health.
type XidEffect struct {
	// Failed: the GPU needs a reset or replacing. Otherwise degraded.
	Failed bool
	// NVLink: the error is on the GPU's NVLinks.
	NVLink  bool
	Meaning string
}

// XidEffects lists the Xids that say the hardware is in trouble (NVIDIA's
// Xid catalogue); the rest (13, 31, 43: application faults) are events only.
var XidEffects = map[uint64]XidEffect{
	48: {Failed: true, Meaning: "double-bit ECC error"},
	63: {Meaning: "ECC page retirement or row remapping recorded"},
	64: {Failed: true, Meaning: "ECC page retirement or row remapping failed"},
	74: {NVLink: true, Meaning: "NVLink error"},
	79: {Failed: true, Meaning: "GPU has fallen off the bus"},
	92: {Meaning: "high single-bit ECC error rate"},
	94: {Meaning: "contained ECC error"},
	95: {Failed: true, Meaning: "uncontained ECC error"},
}
