// Command timeit runs a command N times and prints the median wall time
// and the largest peak RSS of the runs, as "12.3 ms, 19.4 MiB". It starts
// the command itself, so the time is the command's and not that of a
// shell, date(1) and time(1) around it; both sides of a comparison are
// measured the same way. Output goes to /dev/null.
//
//	go run ./bench/timeit N COMMAND [ARG...]
package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: timeit N COMMAND [ARG...]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "timeit: N must be a positive number")
		os.Exit(2)
	}
	var wall []time.Duration
	var rss int64
	var failed error
	for range n + 1 { // the first run warms the page cache and is dropped
		cmd := exec.Command(os.Args[2], os.Args[3:]...)
		start := time.Now()
		if err := cmd.Run(); err != nil {
			failed = err
		}
		wall = append(wall, time.Since(start))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss) // KiB on Linux
		}
	}
	if failed != nil {
		// A peer that cannot read the tree (lspci without a PCI bus) is
		// not timed.
		fmt.Printf("n/a (%v)\n", failed)
		return
	}
	wall = wall[1:]
	slices.Sort(wall)
	fmt.Printf("%.1f ms, %.1f MiB\n", float64(wall[len(wall)/2].Microseconds())/1000, float64(rss)/1024)
}
