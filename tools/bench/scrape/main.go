// Command scrape times GET requests to a metrics endpoint the way
// Prometheus makes them (one kept-alive connection, gzip accepted), so
// the time measured is the exporter's, not a new process and TCP
// handshake per request as with curl. It prints the median in ms.
//
//	go run ./bench/scrape URL [N]
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scrape URL [N]")
		os.Exit(2)
	}
	n := 50
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var lat []time.Duration
	for i := range n + 3 {
		req, _ := http.NewRequest(http.MethodGet, os.Args[1], nil)
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
		req.Header.Set("Accept-Encoding", "gzip")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i >= 3 { // after warm-up
			lat = append(lat, time.Since(t0))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%.2f ms\n", float64(lat[len(lat)/2].Microseconds())/1000)
}
