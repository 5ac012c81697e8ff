package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is the error of a state folder another process writes.
type ErrLocked struct {
	Dir string
	PID int // 0 when the holder did not say
}

func (e *ErrLocked) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("state folder %s is locked by hwgraph pid %d", e.Dir, e.PID)
	}
	return fmt.Sprintf("state folder %s is locked by another hwgraph", e.Dir)
}

// folderLock is the writer's hold on a state folder: an exclusive flock
// on its lock file, which holds the writer's PID for the error others
// get. The kernel drops the lock when the process dies, kill -9 included.
type folderLock struct{ f *os.File }

func lockFolder(dir string) (*folderLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, fileMode)
	if err != nil {
		return nil, fmt.Errorf("state folder lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, &ErrLocked{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("state folder lock: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &folderLock{f: f}, nil
}

func (l *folderLock) release() {
	l.f.Truncate(0)
	l.f.Close() // closing drops the flock
}
