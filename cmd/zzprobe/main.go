package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/topology"
)

func main() {
	root := os.Args[1]
	reg := collectors.Default
	if len(os.Args) > 2 {
		reg, _ = reg.Select(os.Args[2:])
	}
	t2 := time.Now()
	g := reg.Scan(context.Background(), collectors.Env{Root: root}, nil)
	t3 := time.Now()
	topology.Render(io.Discard, g, "json")
	t4 := time.Now()
	fmt.Printf("scan %.2f render %.2f\n", t3.Sub(t2).Seconds()*1000, t4.Sub(t3).Seconds()*1000)
}
