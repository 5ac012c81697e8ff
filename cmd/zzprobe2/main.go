package main

import (
	"fmt"
	"os"
	"time"

	"github.com/hwgraph/hwgraph/pcie"
)

func main() {
	root := os.Args[1]
	t0 := time.Now()
	devs, _ := pcie.ReadDevices(root + "/sys")
	t1 := time.Now()
	for i := range devs {
		pcie.DefaultNames.Lookup(&devs[i])
	}
	t2 := time.Now()
	fmt.Printf("read %.2f names %.2f\n", t1.Sub(t0).Seconds()*1000, t2.Sub(t1).Seconds()*1000)
}
