package kmsg

import (
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Record
	}{
		// Documentation/ABI/testing/dev-kmsg: "prefix;message", prefix =
		// priority (with facility), sequence, microseconds, flags.
		{"6,1234,5678901,-;nvme nvme0: controller is down", Record{Seq: 1234, Priority: 6, Uptime: 5678901 * time.Microsecond, Text: "nvme nvme0: controller is down"}},
		{"27,9,100,c;EDAC MC0: x", Record{Seq: 9, Priority: 3, Uptime: 100 * time.Microsecond, Text: "EDAC MC0: x"}},
		// dmesg's default format.
		{"[    5.678901] pcieport 0000:00:1c.0: pciehp: Slot(3): Link Down", Record{Priority: -1, Uptime: 5678901 * time.Microsecond, Text: "pcieport 0000:00:1c.0: pciehp: Slot(3): Link Down"}},
		{"no prefix at all", Record{Priority: -1, Text: "no prefix at all"}},
	} {
		if got := ParseRecord(tc.in); got != tc.want {
			t.Errorf("ParseRecord(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestClassify: lines in the formats the kernel and drivers print them
// (format strings cited per case), most as they appear in public bug
// reports, mapped to their kind and device; unrelated lines are ignored.
func TestClassify(t *testing.T) {
	none := Match{I2CBus: -1, MC: -1}
	with := func(f func(*Match)) Match { m := none; f(&m); return m }
	for _, tc := range []struct {
		line string
		want Match // Message is not compared
	}{
		// drivers/pci/pcie/aer.c aer_print_error(): "PCIe Bus Error: severity=%s, type=%s, (%s)".
		{"pcieport 0000:00:1c.5: AER: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindAER, "warning", "0000:00:1c.5" })},
		{"nvme 0000:01:00.0: PCIe Bus Error: severity=Uncorrected (Non-Fatal), type=Transaction Layer, (Requester ID)",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindAER, "critical", "0000:01:00.0" })},
		// aer.c: "%s%s error message received from %s" / "… error received: %s".
		{"pcieport 0000:00:03.0: AER: Multiple Corrected error received: 0000:05:00.0",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI, m.Port = KindAER, "warning", "0000:05:00.0", "0000:00:03.0" })},
		{"pcieport 10000:e0:1d.0: AER: Uncorrected (Fatal) error received: 10000:e1:00.0",
			with(func(m *Match) {
				m.Kind, m.Severity, m.PCI, m.Port = KindAER, "critical", "10000:e1:00.0", "10000:e0:1d.0"
			})},
		// drivers/pci/hotplug/pciehp_ctrl.c: "Slot(%s): Link Down" / "Card present".
		{"pcieport 0000:00:1c.0: pciehp: Slot(3): Link Down",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindHotplug, "warning", "0000:00:1c.0" })},
		{"pciehp 0000:00:1c.0:pcie004: Slot(3): Card present",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindHotplug, "info", "0000:00:1c.0" })},
		// drivers/edac/edac_mc.c edac_ce_error(): "%d CE %s%son %s (%s page:0x%lx offset:0x%lx grain:%ld syndrome:0x%lx%s%s)",
		// with skx_edac's label and detail.
		{"EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x4ad7f8 offset:0x740 grain:32 syndrome:0x0 - area:DRAM err_code:0001:0091 socket:0 ha:0 channel_mask:2 rank:1)",
			with(func(m *Match) {
				m.Kind, m.Severity, m.MC, m.DIMMLabel = KindMemoryError, "warning", 0, "CPU_SrcID#0_Ha#0_Chan#1_DIMM#0"
			})},
		// edac_ue_error(): "%d UE %s%son %s (%s page:0x%lx offset:0x%lx grain:%ld%s%s)".
		{"EDAC MC1: 2 UE memory read error on P2-DIMMA1 (channel:0 slot:0 page:0x0 offset:0x0 grain:8 - err_code:0x0000:0x0090)",
			with(func(m *Match) { m.Kind, m.Severity, m.MC, m.DIMMLabel = KindMemoryError, "critical", 1, "P2-DIMMA1" })},
		// ghes_edac without a DIMM label.
		{"EDAC MC0: 1 CE Single-bit ECC on unknown memory (node:0 card:0 module:0 page:0x0 offset:0x0 grain:0 syndrome:0x0)",
			with(func(m *Match) { m.Kind, m.Severity, m.MC = KindMemoryError, "warning", 0 })},
		// The pre-3.6 edac_mc_handle_ce() format, from an amd64_edac report.
		{`EDAC MC1: CE page 0xf075b2, offset 0x410, grain 0, syndrome 0xa082, row 6, channel 0, label "": amd64_edac`,
			with(func(m *Match) { m.Kind, m.Severity, m.MC = KindMemoryError, "warning", 1 })},
		// arch/x86/kernel/cpu/mce/core.c: pr_emerg(HW_ERR "CPU %d: Machine Check: …").
		{"mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 7: cc00008000010090",
			with(func(m *Match) { m.Kind, m.Severity = KindMCE, "critical" })},
		{"mce: [Hardware Error]: Machine check events logged", with(func(m *Match) { m.Kind, m.Severity = KindMCE, "warning" })},
		// NVIDIA's driver: "NVRM: Xid (PCI:%04x:%02x:%02x): %d, …".
		{"NVRM: Xid (PCI:0000:3b:00): 79, pid=0, GPU has fallen off the bus.",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindXid, "critical", "0000:3b:00.0" })},
		{"NVRM: Xid (PCI:0000:07:00): 13, pid=1234, name=python, Graphics Exception: ESR 0x50c730=0x4",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindXid, "warning", "0000:07:00.0" })},
		// drivers/nvme/host/pci.c nvme_timeout(): "controller is down; will reset: CSTS=0x%x, PCI_STATUS=0x%hx",
		// "I/O %d QID %d timeout, aborting".
		{"nvme nvme0: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff",
			with(func(m *Match) { m.Kind, m.Severity, m.NVMe = KindNVMe, "critical", "nvme0" })},
		{"nvme nvme1: I/O 8 QID 3 timeout, aborting", with(func(m *Match) { m.Kind, m.Severity, m.NVMe = KindNVMe, "warning", "nvme1" })},
		// drivers/i2c/busses/i2c-designware-master.c: "controller timed out".
		{"i2c_designware AMDI0010:01: controller timed out", with(func(m *Match) { m.Kind, m.Severity = KindBusLockup, "critical" })},
		// drivers/i2c/busses/i2c-i801.c: "SMBus is busy, can't use it!".
		{"i801_smbus 0000:00:1f.4: SMBus is busy, can't use it!",
			with(func(m *Match) { m.Kind, m.Severity, m.PCI = KindBusLockup, "critical", "0000:00:1f.4" })},
		// drivers/i2c/i2c-core-base.c i2c_generic_scl_recovery(): "SCL is stuck low…".
		{"i2c i2c-3: SCL is stuck low, exit recovery", with(func(m *Match) { m.Kind, m.Severity, m.I2CBus = KindBusLockup, "critical", 3 })},
	} {
		got, ok := Classify(tc.line)
		got.Message = ""
		if !ok || got != tc.want {
			t.Errorf("Classify(%q) = %+v, %v; want %+v", tc.line, got, ok, tc.want)
		}
	}
	for _, line := range []string{
		"usb 1-1: new high-speed USB device number 2 using xhci_hcd",
		"nvme nvme0: 8/0/0 default/read/poll queues",
		"pcieport 0000:00:1c.0: PME: Signaling with IRQ 122",
		"pcieport 0000:00:1c.0: AER: enabled with IRQ 122",
		"NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.54.15",
		"EDAC MC: Ver: 3.0.0",
		"EDAC MC0: Giving out device to module skx_edac controller Skylake Socket#0 IMC#0: DEV 0000:3a:0a.0 (INTERRUPT)",
		"i2c i2c-3: sendbytes: NAK bailout.",
		"mce: CPU0: Thermal monitoring enabled (TM1)",
		"",
	} {
		if m, ok := Classify(line); ok {
			t.Errorf("Classify(%q) matched %+v", line, m)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"6,1234,5678901,-;pcieport 0000:00:1c.5: AER: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)",
		"EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1)",
		"NVRM: Xid (PCI:0000:3b:00): 79, pid=0, GPU has fallen off the bus.",
		"[ 1.0] i2c i2c-3: SCL is stuck low", "nvme nvme0: controller is down; will reset",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r := ParseRecord(line)
		m, ok := Classify(r.Text)
		if ok && (m.Kind == "" || m.Severity == "") {
			t.Errorf("match without kind or severity: %+v", m)
		}
	})
}

// TestClassifyDiskErrors: the libata, SCSI and block layer lines a
// failing disk logs name it by ATA port, SCSI address or block device.
func TestClassifyDiskErrors(t *testing.T) {
	for _, tc := range []struct {
		line                 string
		severity             string
		scsi, block, ataPort string
	}{
		// libata-eh.c ata_eh_link_report(), ata_dev_print.
		{"ata3.00: exception Emask 0x0 SAct 0x1000 SErr 0x0 action 0x0", "warning", "", "", "3"},
		{"ata3.00: failed command: READ FPDMA QUEUED", "warning", "", "", "3"},
		{"ata3: hard resetting link", "warning", "", "", "3"},
		{"ata1: limiting SATA link speed to 3.0 Gbps", "warning", "", "", "1"},
		// sd.c / scsi_logging.c.
		{"sd 2:0:0:0: [sdb] tag#7 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s", "warning", "2:0:0:0", "sdb", ""},
		{"sd 2:0:0:0: [sdb] tag#7 Sense Key : Medium Error [current]", "warning", "2:0:0:0", "sdb", ""},
		{"sd 11:0:8:0: [sdw] rejecting I/O to offline device", "critical", "11:0:8:0", "sdw", ""},
		// blk-core.c blk_print_req_error().
		{"I/O error, dev sdb, sector 123456 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0", "warning", "", "sdb", ""},
		{"blk_update_request: critical medium error, dev sdc, sector 9876", "warning", "", "sdc", ""},
	} {
		m, ok := Classify(tc.line)
		if !ok || m.Kind != KindDiskError || m.Severity != tc.severity || m.SCSI != tc.scsi || m.Block != tc.block || m.ATAPort != tc.ataPort {
			t.Errorf("%q: %+v %v", tc.line, m, ok)
		}
	}
	for _, line := range []string{
		"ata3: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
		"sd 2:0:0:0: [sdb] 1953525168 512-byte logical blocks: (1.00 TB/932 GiB)",
		"I/O error, dev loop0, sector 0 op 0x0:(READ)",
		"I/O error, dev nvme0n1, sector 0 op 0x0:(READ)", // the nvme lines are the nvme pattern's
	} {
		if m, ok := Classify(line); ok && m.Kind == KindDiskError {
			t.Errorf("%q classified as a disk error: %+v", line, m)
		}
	}
}
