package kmsg

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Kinds of Match.
const (
	KindAER         = "aer"
	KindHotplug     = "hotplug"
	KindMemoryError = "memory-error"
	KindMCE         = "mce"
	KindXid         = "xid"
	KindNVMe        = "nvme"
	KindBusLockup   = "bus-lockup"
	KindDiskError   = "disk-error"
)

// Match is a recognised line.
type Match struct {
	Kind     string
	Severity string // "info", "warning", "critical"
	// Exactly one of these names the device, when the line names one.
	PCI       string // "0000:3b:00.0"
	NVMe      string // "nvme0"
	I2CBus    int    // -1 when none
	DIMMLabel string // EDAC's label for the DIMM
	MC        int    // EDAC memory controller, -1 when none
	// A disk, by what the line names: its SCSI address ("0:0:0:0"),
	// its block device ("sda"), or its ATA port ("3" for ata3).
	SCSI, Block, ATAPort string
	// Port is the PCIe port that logged a PCI line, when that is not the
	// device it names (an AER message received from below it).
	Port    string
	Message string
}

// patterns are the kernel's message formats, compiled on first use: a
// one-shot scan whose log is empty (or a --root capture without one) need
// not pay for them at every start.
type patterns struct {
	pciPrefix   *regexp.Regexp
	aerError    *regexp.Regexp
	aerReceived *regexp.Regexp
	pciehp      *regexp.Regexp
	edac        *regexp.Regexp
	edacOld     *regexp.Regexp
	mce         *regexp.Regexp
	xid         *regexp.Regexp
	nvmeLine    *regexp.Regexp
	i2cAdapter  *regexp.Regexp
	i2cTrouble  *regexp.Regexp
	i2cDriver   *regexp.Regexp
	ata         *regexp.Regexp
	scsi        *regexp.Regexp
	blockIO     *regexp.Regexp
}

var compiled = sync.OnceValue(func() *patterns {
	return &patterns{
		// A device prefix as dev_printk writes it: "driver 0000:3b:00.0: ".
		pciPrefix: regexp.MustCompile(`^(?:[\w.-]+ )?([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(?::pcie\d+)?: (.*)$`),

		// drivers/pci/pcie/aer.c, aer_print_error():
		// "PCIe Bus Error: severity=%s, type=%s, (%s)".
		aerError: regexp.MustCompile(`PCIe Bus Error: severity=([^,]+), type=([^,]+), \(([^)]*)\)`),
		// aer.c: "AER: Corrected error received: %s", "Multiple Uncorrected (Fatal) error received: …".
		aerReceived: regexp.MustCompile(`AER: (?:Multiple )?(Corrected|Uncorrected \(Non-Fatal\)|Uncorrected \(Fatal\)) error (?:message )?received: ([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])`),
		// drivers/pci/hotplug/pciehp_ctrl.c: "Slot(%s): Link Down", "Card not present", …
		pciehp: regexp.MustCompile(`Slot\(([^)]*)\): (Link Down|Link Up|Card not present|Card present)`),

		// drivers/edac/edac_mc.c, edac_ce_error()/edac_ue_error():
		// "EDAC MC%d: %d CE %s%son %s (%s page:… )".
		edac: regexp.MustCompile(`EDAC MC(\d+): (\d+) (CE|UE) (.*?)\bon (.+?) \(`),
		// The pre-3.6 format, still in amd64_edac reports on old kernels:
		// "EDAC MC1: CE page 0xf075b2, offset 0x410, …, label \"\": amd64_edac".
		edacOld: regexp.MustCompile(`EDAC MC(\d+): (CE|UE) page 0x[0-9a-f]+,.*label "([^"]*)"`),

		// arch/x86/kernel/cpu/mce: "mce: [Hardware Error]: …".
		mce: regexp.MustCompile(`mce: \[Hardware Error\]: (.*)$`),

		// NVIDIA's driver: "NVRM: Xid (PCI:0000:3b:00): 79, pid=…, GPU has fallen off the bus.".
		xid: regexp.MustCompile(`NVRM: Xid \(PCI:([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2})\): (\d+), ?(.*)$`),

		// drivers/nvme/host/{core,pci}.c, device "nvme nvme0".
		nvmeLine: regexp.MustCompile(`^nvme (nvme\d+): (.*)$`),

		// i2c core and adapters: the adapter device "i2c i2c-3" or an
		// adapter driver's device.
		i2cAdapter: regexp.MustCompile(`\bi2c-(\d+)\b`),
		i2cTrouble: regexp.MustCompile(`(?i)controller timed out|transfer timed out|timeout waiting for bus ready|SDA (?:is )?stuck|SCL (?:is )?stuck|bus recovery|arbitration lost|SMBus is busy|bus is busy`),
		i2cDriver:  regexp.MustCompile(`^(i2c[\w-]*|i801_smbus|piix4_smbus|[\w-]*i2c[\w-]*) `),
		// drivers/ata/libata-eh.c ata_eh_link_report() and
		// libata-core.c: "ata3.00: failed command: READ FPDMA QUEUED",
		// "ata3: hard resetting link", "ata3.00: exception Emask …".
		ata: regexp.MustCompile(`^ata(\d+)(?:\.\d+)?: (failed command|exception Emask|hard resetting link|SError: |limiting SATA link speed|link is slow|COMRESET failed|softreset failed|error: \{|status: \{ .*ERR)`),
		// drivers/scsi: "sd 0:0:0:0: [sda] tag#3 FAILED Result: …",
		// "sd 0:0:0:0: [sda] Medium Error", "… Unhandled sense code".
		scsi: regexp.MustCompile(`^sd (\d+:\d+:\d+:\d+): \[(\w+)\] (?:tag#\d+ )?(.*(?:FAILED Result|Medium Error|Unhandled sense code|Unhandled error code|Sense Key : (?:Medium Error|Hardware Error)|timing out command|rejecting I/O to offline device).*)$`),
		// block/blk-core.c: "I/O error, dev sda, sector 1234 op 0x0:(READ)",
		// "critical medium error, dev sdb, sector …"; older kernels
		// prefix "blk_update_request: ".
		blockIO: regexp.MustCompile(`(?:I/O error|critical medium error|critical target error), dev (\w+), sector`),
	}
})

// Classify recognises a kernel log text; ok is false for lines that are
// not about hardware trouble.
func Classify(text string) (m Match, ok bool) {
	p := compiled()
	m = Match{I2CBus: -1, MC: -1, Message: strings.TrimSpace(text)}
	device, rest := "", text
	if pre := p.pciPrefix.FindStringSubmatch(text); pre != nil {
		device, rest = pre[1], pre[2]
	}
	switch {
	case p.aerError.MatchString(rest) && device != "":
		s := p.aerError.FindStringSubmatch(rest)
		m.Kind, m.PCI, m.Severity = KindAER, device, aerSeverity(s[1])
		return m, true
	case p.aerReceived.MatchString(rest):
		s := p.aerReceived.FindStringSubmatch(rest)
		m.Kind, m.PCI, m.Severity = KindAER, s[2], aerSeverity(s[1])
		if device != s[2] {
			m.Port = device
		}
		return m, true
	case p.pciehp.MatchString(rest) && device != "":
		s := p.pciehp.FindStringSubmatch(rest)
		m.Kind, m.PCI = KindHotplug, device
		m.Severity = "warning"
		if s[2] == "Link Up" || s[2] == "Card present" {
			m.Severity = "info"
		}
		return m, true
	}
	if s := p.edac.FindStringSubmatch(text); s != nil {
		return memoryError(m, s[1], s[3], s[5]), true
	}
	if s := p.edacOld.FindStringSubmatch(text); s != nil {
		return memoryError(m, s[1], s[2], s[3]), true
	}
	if s := p.mce.FindStringSubmatch(text); s != nil {
		m.Kind, m.Severity = KindMCE, "critical"
		if strings.Contains(s[1], "Machine check events logged") {
			m.Severity = "warning"
		}
		return m, true
	}
	if s := p.xid.FindStringSubmatch(text); s != nil {
		m.Kind, m.PCI = KindXid, s[1]+".0"
		m.Severity = "warning"
		if code, _ := strconv.Atoi(s[2]); code == 48 || code == 64 || code == 79 || code == 95 {
			m.Severity = "critical"
		}
		return m, true
	}
	if s := p.nvmeLine.FindStringSubmatch(text); s != nil {
		msg := s[2]
		switch {
		case strings.Contains(msg, "controller is down"), strings.Contains(msg, "Removing after probe failure"),
			strings.Contains(msg, "Disabling device after reset failure"):
			m.Severity = "critical"
		case strings.Contains(msg, "timeout, aborting"), strings.Contains(msg, "timeout, reset controller"),
			strings.Contains(msg, "I/O Cmd") && strings.Contains(msg, "timeout"):
			m.Severity = "warning"
		default:
			return m, false
		}
		m.Kind, m.NVMe = KindNVMe, s[1]
		return m, true
	}
	if s := p.ata.FindStringSubmatch(text); s != nil {
		m.Kind, m.Severity, m.ATAPort = KindDiskError, "warning", s[1]
		return m, true
	}
	if s := p.scsi.FindStringSubmatch(text); s != nil {
		m.Kind, m.Severity, m.SCSI, m.Block = KindDiskError, "warning", s[1], s[2]
		if strings.Contains(s[3], "offline device") {
			m.Severity = "critical"
		}
		return m, true
	}
	if s := p.blockIO.FindStringSubmatch(text); s != nil && !strings.HasPrefix(s[1], "nvme") && !strings.HasPrefix(s[1], "loop") {
		m.Kind, m.Severity, m.Block = KindDiskError, "warning", s[1]
		return m, true
	}
	if p.i2cTrouble.MatchString(text) && (p.i2cAdapter.MatchString(text) || p.i2cDriver.MatchString(text)) {
		m.Kind, m.Severity = KindBusLockup, "critical"
		if s := p.i2cAdapter.FindStringSubmatch(text); s != nil {
			m.I2CBus, _ = strconv.Atoi(s[1])
		} else if device != "" {
			m.PCI = device // an SMBus controller: i801_smbus 0000:00:1f.4
		}
		return m, true
	}
	return m, false
}

// memoryError fills an EDAC match: controller, CE or UE, DIMM label
// (none when the driver could not tell).
func memoryError(m Match, mc, typ, label string) Match {
	m.Kind, m.Severity = KindMemoryError, "warning"
	m.MC, _ = strconv.Atoi(mc)
	if typ == "UE" {
		m.Severity = "critical"
	}
	if label = strings.TrimSpace(label); label != "unknown memory" && label != "unknown label" {
		m.DIMMLabel = label
	}
	return m
}

func aerSeverity(s string) string {
	if s == "Corrected" {
		return "warning"
	}
	return "critical"
}
