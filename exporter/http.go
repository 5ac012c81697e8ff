package exporter

import (
	"net/http"
	"time"
)

// NewServer wraps a handler in an http.Server with the timeouts an
// exporter on every node needs: a slow or stuck client (or a port
// scanner holding connections open) must not pin goroutines and memory.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
