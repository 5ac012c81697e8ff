package collectors

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
	"github.com/hwgraph/hwgraph/uevent"
)

// goroutineOf is a test double of the Collector interface that says
// which goroutine called it, in its fragment's only component.
type goroutineOf struct{}

func (goroutineOf) Name() string          { return "goroutine" }
func (goroutineOf) Reads() []capture.Read { return nil }
func (goroutineOf) Collect(context.Context, Env) (*topology.Fragment, error) {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return &topology.Fragment{Components: []*topology.Component{{ID: "g:" + string(id), Kind: "test"}}}, nil
}

// TestWorkersKeptAcrossScans: a collector's calls, scan after scan, run
// in one goroutine, which a panicking collector beside it does not end.
func TestWorkersKeptAcrossScans(t *testing.T) {
	reg := &Registry{}
	reg.Register(goroutineOf{})
	reg.Register(panicky{})
	var first string
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		g := reg.Scan(ctx, Env{Root: t.TempDir()}, nil)
		cancel()
		if st := status(g, "panicky"); st.State != "error" {
			t.Errorf("scan %d: panicky %+v, want error", i, st)
		}
		if len(g.Components) != 1 {
			t.Fatalf("scan %d: %d components, want the one naming its goroutine", i, len(g.Components))
		}
		if id := g.Components[0].ID; i == 0 {
			first = id
		} else if id != first {
			t.Errorf("scan %d ran in %s, the first in %s", i, id, first)
		}
	}
}

// TestWorkersEndWithRegistry: a registry no longer used leaves no
// goroutine behind.
func TestWorkersEndWithRegistry(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		reg := &Registry{}
		reg.Register(goroutineOf{})
		reg.Register(panicky{})
		reg.Scan(context.Background(), Env{Root: t.TempDir()}, nil)
	}()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines %d before the registry, %d after it was dropped", before, runtime.NumGoroutine())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// counted is a collector that counts its calls.
type counted struct {
	Collector
	calls *int
}

func (c counted) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	*c.calls++
	return c.Collector.Collect(ctx, env)
}

// TestAbsentSourcesLookedForAtADeviceEvent: the 32em64t capture has no
// hwmon chip. Scans that hear device events look for one once, and again
// only after an event (of any subsystem) or an invalidation; scans that
// do not hear them look every time.
func TestAbsentSourcesLookedForAtADeviceEvent(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	for _, tc := range []struct {
		name  string
		heard bool
		steps []func(*Registry)
		calls int
	}{
		{"heard", true, nil, 1},
		{"heard, a device event", true, []func(*Registry){func(r *Registry) {
			r.DeviceEvent(uevent.Event{Action: "add", DevPath: "/devices/virtual/thermal/cooling_device0", Subsystem: "thermal"})
		}}, 2},
		{"heard, invalidated", true, []func(*Registry){(*Registry).Invalidate}, 2},
		{"not heard", false, nil, 3},
		{"not heard for a while", true, []func(*Registry){func(r *Registry) { r.SetHeard(false) }, func(r *Registry) { r.SetHeard(true) }}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := New(Options{}).Select([]string{"hwmon"})
			if err != nil {
				t.Fatal(err)
			}
			var calls int
			reg.collectors[0] = counted{reg.collectors[0], &calls}
			reg.SetHeard(tc.heard)
			scan := func() {
				g := reg.Scan(context.Background(), Env{Root: root}, nil)
				if st := status(g, "hwmon"); st.State != "absent" {
					t.Fatalf("hwmon: %+v, want absent", st)
				}
			}
			scan()
			for _, step := range tc.steps {
				step(reg)
				scan()
			}
			for range 3 - 1 - len(tc.steps) {
				scan()
			}
			if calls != tc.calls {
				t.Errorf("hwmon called %d times in 3 scans, want %d", calls, tc.calls)
			}
		})
	}
}

// eventDuring is a collector that finds no source while a device event
// comes: the event is heard mid-read, from inside its first call.
type eventDuring struct {
	reg   *Registry
	calls *int
}

func (eventDuring) Name() string          { return "event-during" }
func (eventDuring) Reads() []capture.Read { return nil }
func (c eventDuring) Collect(context.Context, Env) (*topology.Fragment, error) {
	if *c.calls++; *c.calls == 1 {
		c.reg.DeviceEvent(uevent.Event{Action: "add", DevPath: "/devices/virtual/hwmon/hwmon0", Subsystem: "hwmon"})
	}
	return nil, ErrAbsent
}

// TestAbsenceFoundDuringAnEventNotKept: an absence read while a device
// event came may predate the device the event brought; the next scan
// looks again.
func TestAbsenceFoundDuringAnEventNotKept(t *testing.T) {
	reg := &Registry{absent: &keptAbsences{}}
	var calls int
	reg.Register(eventDuring{reg, &calls})
	reg.SetHeard(true)
	for range 3 {
		reg.Scan(context.Background(), Env{Root: t.TempDir()}, nil)
	}
	if calls != 2 {
		t.Errorf("called %d times in 3 scans, want 2 (the absence found during the event not kept)", calls)
	}
}
