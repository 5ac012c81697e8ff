package collectors

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/topology"
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
