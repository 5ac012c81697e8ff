package exporter

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxRequests is --web.max-requests' default, node_exporter's.
const DefaultMaxRequests = 40

// idlePerRequest is how many idle keep-alive connections a server keeps
// for each request it serves at once: room for Prometheus, the page and
// curl, not for thousands held open by one client.
const idlePerRequest = 4

// NewServer wraps a handler in an http.Server with the timeouts an
// exporter on every node needs: a slow or stuck client (or a port
// scanner holding connections open) must not pin goroutines and memory.
// With maxRequests > 0 (--web.max-requests), at most that many requests
// are served at once, a request past them answering 503 at once, and at
// most idlePerRequest times that many idle connections are kept, one
// going idle past them closed. A new connection is never refused: one
// that sends no request is closed at ReadHeaderTimeout.
func NewServer(h http.Handler, maxRequests int) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if maxRequests <= 0 {
		return srv
	}
	slots := make(chan struct{}, maxRequests)
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			http.Error(w, fmt.Sprintf("too many requests at once (more than --web.max-requests=%d)", maxRequests), http.StatusServiceUnavailable)
		}
	})
	idle := &idleConns{max: idlePerRequest * maxRequests, state: map[net.Conn]http.ConnState{}}
	srv.ConnState = idle.track
	return srv
}

// idleConns counts a server's idle connections and closes those past max.
type idleConns struct {
	max   int
	mu    sync.Mutex
	idle  int
	state map[net.Conn]http.ConnState
}

func (ic *idleConns) track(c net.Conn, st http.ConnState) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.state[c] == http.StateIdle {
		ic.idle--
	}
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(ic.state, c)
		return
	case http.StateIdle:
		if ic.idle >= ic.max {
			c.Close() // StateClosed follows
			st = http.StateClosed
		} else {
			ic.idle++
		}
	}
	ic.state[c] = st
}
