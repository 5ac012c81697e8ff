package history

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/hwgraph/hwgraph/topology"
)

// maxStateFile bounds a state file as a graph from another agent is
// bounded: a larger one is damage, not something to read into memory.
var maxStateFile = topology.DefaultLimits.MaxBytes

// readBounded reads a state file that may be anything someone put in its
// place: it opens without blocking (a FIFO would hang the scan), reads
// only a regular file, and only up to maxStateFile. A file that is not
// regular or is larger is a *DamageError.
func readBounded(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &DamageError{File: fi.Name(), Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	if fi.Size() > maxStateFile {
		return nil, &DamageError{File: fi.Name(), Err: fmt.Errorf("%d bytes, past the %d a state file may hold", fi.Size(), maxStateFile)}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxStateFile {
		return nil, &DamageError{File: fi.Name(), Err: errors.New("grew past the size a state file may hold while read")}
	}
	return data, nil
}
