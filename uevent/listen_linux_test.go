//go:build linux

package uevent

import (
	"context"
	"testing"
	"time"
)

// TestListenStops: Listen, blocked on the socket through the poller with
// no timeout of its own, returns as soon as its context ends.
func TestListenStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error)
	go func() { done <- Listen(ctx, func() { close(ready) }, func(Event) {}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Skipf("no netlink here: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Listen returned %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Listen did not return after its context ended")
	}
}
