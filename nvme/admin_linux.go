package nvme

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// adminCmd is struct nvme_admin_cmd of <linux/nvme_ioctl.h>.
type adminCmd struct {
	opcode, flags                            uint8
	rsvd1                                    uint16
	nsid, cdw2, cdw3                         uint32
	metadata, addr                           uint64
	metadataLen, dataLen                     uint32
	cdw10, cdw11, cdw12, cdw13, cdw14, cdw15 uint32
	timeoutMs, result                        uint32
}

// ioctlAdminCmd is NVME_IOCTL_ADMIN_CMD: _IOWR('N', 0x41, struct
// nvme_admin_cmd).
const ioctlAdminCmd = 0xC0484E41

const (
	opGetLogPage = 0x02
	logSMART     = 0x02
	nsidAll      = 0xFFFFFFFF
)

// getLogPageCmd is the Get Log Page command for page lid of n bytes
// (NVMe Base 2.0, figure 197: the number of dwords less one in CDW10's
// upper half, the page in its lowest byte).
func getLogPageCmd(lid uint8, buf []byte) adminCmd {
	numd := uint32(len(buf)/4 - 1)
	return adminCmd{opcode: opGetLogPage, nsid: nsidAll, dataLen: uint32(len(buf)),
		addr: uint64(uintptr(unsafe.Pointer(&buf[0]))), cdw10: (numd&0xffff)<<16 | uint32(lid), cdw11: numd >> 16,
		timeoutMs: 5000}
}

// ReadSMARTLog reads the SMART / Health Information log page of the
// controller dev ("/dev/nvme0") with one Get Log Page admin command: a
// read that changes nothing on the drive. It needs root (the device is
// mode 0600).
func ReadSMARTLog(dev string) ([]byte, error) {
	f, err := os.OpenFile(dev, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("nvme smart log: %w", err)
	}
	defer f.Close()
	buf := make([]byte, SMARTLogSize)
	cmd := getLogPageCmd(logSMART, buf)
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("nvme smart log: %w", err)
	}
	var status uintptr
	var errno unix.Errno
	if err := sc.Control(func(fd uintptr) {
		status, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, ioctlAdminCmd, uintptr(unsafe.Pointer(&cmd)))
	}); err != nil {
		return nil, fmt.Errorf("nvme smart log: %w", err)
	}
	runtime.KeepAlive(buf)
	if errno != 0 {
		return nil, fmt.Errorf("nvme smart log %s: %w", dev, errno)
	}
	if status != 0 {
		// A positive return is the NVMe status the controller
		// completed the command with, not an errno.
		return nil, fmt.Errorf("nvme smart log %s: controller status %#x", dev, status)
	}
	return buf, nil
}
