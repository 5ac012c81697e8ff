//go:build !linux

package sysfsattr

import "io/fs"

// Keeper keeps nothing open outside Linux: each read opens its file.
type Keeper struct{}

// KeepOpen returns a Keeper that keeps nothing.
func KeepOpen(string) *Keeper { return &Keeper{} }

// Sweep does nothing.
func (*Keeper) Sweep() {}

// Close does nothing.
func (*Keeper) Close() {}

// Kept is 0.
func (*Keeper) Kept() int { return 0 }

func readKept(buf []byte, full string, open func() (int, error)) (string, error) {
	fd, err := open()
	if err != nil {
		return "", err
	}
	return readFD(fd, buf, full)
}

// KeepLists does nothing.
func (*Keeper) KeepLists(bool) {}

// ForgetLists does nothing.
func (*Keeper) ForgetLists() {}

func eachKept(_ string, fn func(name string, typ fs.FileMode), list func(func(string, fs.FileMode)) error) error {
	return list(fn)
}

func openKept[T any](_ string, open func() (T, error)) (T, error) { return open() }
