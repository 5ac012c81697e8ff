package exporter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestServerLimits: with --web.max-requests 2, a third request while two
// are served answers 503 at once, and idle keep-alive connections past 8
// are closed: 500 held open by one client leave the server's goroutines
// where they were (before, each held one), and others are still served.
func TestServerLimits(t *testing.T) {
	release := make(chan struct{})
	inside := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			inside <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok\n")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, 2)
	go srv.Serve(l)
	defer srv.Close()
	base := "http://" + l.Addr().String()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		go client.Get(base + "/slow")
		<-inside
	}
	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "--web.max-requests=2") {
		t.Errorf("a third request at once: %d %q, want 503", resp.StatusCode, body)
	}
	close(release)

	before := runtime.NumGoroutine()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 500 { // each asks once and stays open, keep-alive
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: hwgraph\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request on connection %d: %v %v", len(conns), resp, err)
		}
		resp.Body.Close()
	}
	kept := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			kept++
		}
	}
	if kept > 2*idlePerRequest {
		t.Errorf("%d of 500 idle connections kept open, want at most %d", kept, 2*idlePerRequest)
	}
	if g := runtime.NumGoroutine(); g > before+4*idlePerRequest {
		t.Errorf("%d goroutines with 500 idle connections, %d before", g, before)
	}
	if resp, err := client.Get(base + "/"); err != nil || resp.StatusCode != 200 {
		t.Errorf("a request beside them: %v %v", resp, err)
	}
}
