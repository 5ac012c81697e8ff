package nvme

import (
	"testing"
	"unsafe"
)

// TestGetLogPageCommand: the admin command is laid out as the kernel's
// struct nvme_admin_cmd (72 bytes), its ioctl number is _IOWR('N', 0x41,
// that struct), and it asks for log page 02h, all namespaces, 128 dwords.
func TestGetLogPageCommand(t *testing.T) {
	if s := unsafe.Sizeof(adminCmd{}); s != 72 {
		t.Fatalf("struct nvme_admin_cmd is 72 bytes, ours %d", s)
	}
	const iocRead, iocWrite = 2, 1
	if want := uint32((iocRead|iocWrite)<<30 | 72<<16 | 'N'<<8 | 0x41); ioctlAdminCmd != want {
		t.Errorf("ioctl %#x, want %#x", ioctlAdminCmd, want)
	}
	buf := make([]byte, SMARTLogSize)
	c := getLogPageCmd(logSMART, buf)
	if c.opcode != 0x02 || c.nsid != 0xFFFFFFFF || c.dataLen != 512 || c.cdw10 != 0x007F0002 || c.cdw11 != 0 ||
		c.addr != uint64(uintptr(unsafe.Pointer(&buf[0]))) {
		t.Errorf("command %+v", c)
	}
}
