//go:build !linux

package uevent

import (
	"context"
	"errors"
)

// Listen reports that device events are Linux's: elsewhere hwgraph scans
// on its interval only.
func Listen(context.Context, func(), func(Event)) error {
	return errors.New("uevents: kernel device events are Linux-only")
}
