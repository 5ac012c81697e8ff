package main

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
)

func main() {
	runtime.MemProfileRate = 1
	s := &exporter.Scanner{Registry: collectors.Default, Env: collectors.Env{Root: os.Args[1]}, Interval: time.Minute, Timeout: 5 * time.Second}
	s.ScanOnce(context.Background())
	s.ScanOnce(context.Background())
	h := exporter.Handler(s, "x")
	for i := 0; i < 3; i++ {
		for _, gz := range []bool{false, true} {
			r := httptest.NewRequest("GET", "/metrics", nil)
			if gz {
				r.Header.Set("Accept-Encoding", "gzip")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			io.Copy(io.Discard, w.Body)
		}
	}
	runtime.GC()
	f, _ := os.Create("/tmp/heap.prof")
	pprof.Lookup("heap").WriteTo(f, 0)
	f.Close()
}
