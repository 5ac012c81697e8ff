package collectors

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/kmsg"
	"github.com/hwgraph/hwgraph/topology"
)

// Kmsg turns kernel log lines about hardware trouble into events on the
// component they name, and marks I²C buses the kernel reports stuck and
// GPUs that fell off the bus. It reads /dev/kmsg on the live machine
// (root only), from where the last scan stopped, or a saved log (File).
type Kmsg struct {
	// File is a saved kernel log (dmesg or /dev/kmsg records) to read
	// instead of /dev/kmsg; every matching line in it is reported once:
	// later scans read only what was appended.
	File string
	// State keeps the cursors (of /dev/kmsg, or of File) across runs, so
	// a record is reported once; nil keeps them in memory.
	State State

	mu      sync.Mutex
	lastSeq uint64
	boot    string
	// fileOff is how much of fileName the scans have read; fileIno tells
	// a replaced (rotated) file, which is read from its start.
	fileName string
	fileOff  int64
	fileIno  uint64
}

func init() {
	register("kmsg", func(o Options) Collector { return &Kmsg{File: o.KmsgFile, State: o.State} })
	registerFlags(func(f Flags) func(*Options, bool) error {
		file := f.Flag("kmsg", "Read this saved kernel log (dmesg or /dev/kmsg format) instead of /dev/kmsg.").String()
		return func(o *Options, _ bool) error {
			if *file != "" {
				o.KmsgFile = *file
			}
			return nil
		}
	})
}

// Name implements Collector.
func (*Kmsg) Name() string { return "kmsg" }

// Reads implements Collector: the kernel log is a stream of the moment,
// like Xid events; a capture does not keep it.
func (*Kmsg) Reads() []capture.Read { return nil }

// Collect implements Collector.
func (k *Kmsg) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	var recs []kmsg.Record
	var cursorErr, err error // a cursor that cannot be kept is a problem, not a failure
	bootTime := time.Now()
	switch {
	case k.File != "":
		recs, cursorErr, err = k.readFile()
	case env.Live():
		recs, cursorErr, err = k.readDevKmsg()
		if up, uerr := uptime(); uerr == nil {
			bootTime = time.Now().Add(-up)
		}
	default:
		return nil, ErrAbsent // a capture holds no kernel log
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	f := &topology.Fragment{}
	if cursorErr != nil {
		f.Problem(cursorErr.Error())
	}
	for _, r := range recs {
		m, ok := kmsg.Classify(r.Text)
		if !ok {
			continue
		}
		e := topology.Event{Time: time.Now().UTC(), Kind: m.Kind, Component: kmsgComponent(m), Severity: m.Severity,
			Message: m.Message, Source: "kmsg"}
		if r.Uptime > 0 && k.File == "" {
			e.Time = bootTime.Add(r.Uptime).UTC()
		}
		f.Events = append(f.Events, e)
		if m.Kind == kmsg.KindAER || m.Kind == kmsg.KindHotplug {
			// The kernel rate-limits these: its counters are read
			// again, not only the line taken.
			env.Hint("pci", m.PCI)
			if m.Port != "" {
				env.Hint("pci", m.Port)
			}
		}
		switch {
		case m.Kind == kmsg.KindBusLockup && m.I2CBus >= 0:
			c := f.Annotate(topology.I2CAdapterID(m.I2CBus))
			c.Health.Mark(topology.StateFailed, "bus locked (kernel: "+m.Message+")")
			c.SetAttr(topology.AttrI2CBusLocked, 1)
		case m.Kind == kmsg.KindXid && m.Severity == topology.SeverityCritical:
			f.Annotate(topology.PCIID(m.PCI)).Health.Mark(topology.StateFailed, "kernel: "+m.Message)
		}
	}
	return f, nil
}

// kmsgComponent is the component a match names, by the ID (or alias)
// its collector gives it.
func kmsgComponent(m kmsg.Match) string {
	switch {
	case m.PCI != "":
		return topology.PCIID(m.PCI)
	case m.NVMe != "":
		return topology.NVMeID(m.NVMe)
	case m.I2CBus >= 0:
		return topology.I2CAdapterID(m.I2CBus)
	case m.DIMMLabel != "":
		return topology.DIMMID(m.DIMMLabel)
	case m.MC >= 0:
		return topology.MCID(m.MC)
	case m.SCSI != "": // aliases the disk collector gives a disk
		return "scsi:" + m.SCSI
	case m.Block != "":
		return topology.BlockID(m.Block)
	case m.ATAPort != "":
		return "ata:" + m.ATAPort
	}
	return topology.HostID
}

// readFile reads File from where the last scan stopped — of this process,
// or of an earlier one, from the cursor in the state folder — so that a
// line is reported once, not once a scan or once a restart. A file that
// was replaced (another inode) or truncated is read from its start. At
// most 64 MiB are read a scan; the rest waits for the next. cursorErr
// says the cursor could not be read or saved.
func (k *Kmsg) readFile() (recs []kmsg.Record, cursorErr, err error) {
	f, err := os.Open(k.File)
	if err != nil {
		return nil, nil, fmt.Errorf("kernel log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("kernel log: %w", err)
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	loadErr := k.loadFileCursor()
	off := k.fileOff
	if k.File != k.fileName || ino != k.fileIno || fi.Size() < off {
		off = 0
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("kernel log %s: %w", k.File, err)
	}
	recs, n, err := readLogRecords(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("kernel log %s: %w", k.File, err)
	}
	k.fileName, k.fileOff, k.fileIno = k.File, off+n, ino
	return recs, errors.Join(loadErr, k.saveFileCursor()), nil
}

// fileCursor is how far a saved kernel log was read: its path, inode and
// offset.
type fileCursor struct {
	Path   string `json:"path"`
	Inode  uint64 `json:"inode"`
	Offset int64  `json:"offset"`
}

const kmsgFileCursorFile = "kmsg-file-cursor.json"

// loadFileCursor reads the cursor of File from the state folder, once.
func (k *Kmsg) loadFileCursor() error {
	if k.State == nil || k.fileName != "" {
		return nil
	}
	data, err := k.State.ReadState(kmsgFileCursorFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kernel log cursor: %w", err)
	}
	var c fileCursor
	if json.Unmarshal(data, &c) != nil || c.Offset < 0 {
		damage := fmt.Errorf("kernel log cursor %s: not a cursor; reading %s from its start", kmsgFileCursorFile, k.File)
		k.State.ReportDamage(kmsgFileCursorFile, damage)
		return damage
	}
	if c.Path == k.File {
		k.fileName, k.fileIno, k.fileOff = c.Path, c.Inode, c.Offset
	}
	return nil
}

func (k *Kmsg) saveFileCursor() error {
	if k.State == nil {
		return nil
	}
	data, _ := json.Marshal(fileCursor{Path: k.fileName, Inode: k.fileIno, Offset: k.fileOff}) // plain fields: cannot fail
	if err := k.State.WriteState(kmsgFileCursorFile, data); err != nil {
		return fmt.Errorf("kernel log cursor: %w", err)
	}
	return nil
}

// readLogRecords parses the lines of r and says how many bytes they took.
func readLogRecords(r io.Reader) ([]kmsg.Record, int64, error) {
	var out []kmsg.Record
	var n int64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		n += int64(adv)
		return adv, tok, err
	})
	for sc.Scan() {
		if line := sc.Text(); line != "" && line[0] != ' ' { // /dev/kmsg dictionary lines start with a space
			out = append(out, kmsg.ParseRecord(line))
		}
	}
	return out, n, sc.Err()
}

// readDevKmsg reads the records the kernel still holds that the last scan
// did not see: /dev/kmsg returns one record a read, and EAGAIN once the
// buffer is drained (opened non-blocking, so a scan never waits on it).
// cursorErr says the cursor could not be read or saved.
func (k *Kmsg) readDevKmsg() (recs []kmsg.Record, cursorErr, err error) {
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			return nil, nil, fmt.Errorf("kernel log: /dev/kmsg needs root: %w", err)
		}
		return nil, nil, fmt.Errorf("kernel log: %w", &os.PathError{Op: "open", Path: "/dev/kmsg", Err: err})
	}
	defer syscall.Close(fd)
	k.mu.Lock()
	defer k.mu.Unlock()
	loadErr := k.loadCursor()
	boot, _ := sysfsattr.Read(filepath.Join("/proc", "sys", "kernel", "random", "boot_id"))
	if boot != k.boot { // a reboot restarts the sequence
		k.boot, k.lastSeq = boot, 0
	}
	buf := make([]byte, 8192)
	for len(recs) < 100000 {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EPIPE { // records overwritten before we read them
			continue
		}
		if err != nil || n <= 0 {
			break // EAGAIN: drained
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\n")
		r := kmsg.ParseRecord(line)
		if r.Seq != 0 && r.Seq <= k.lastSeq {
			continue
		}
		k.lastSeq = max(k.lastSeq, r.Seq)
		recs = append(recs, r)
	}
	return recs, errors.Join(loadErr, k.saveCursor()), nil
}

const kmsgCursorFile = "kmsg-cursor"

// loadCursor reads "BOOT_ID SEQ" from the state folder, once.
func (k *Kmsg) loadCursor() error {
	if k.State == nil || k.boot != "" {
		return nil
	}
	data, err := k.State.ReadState(kmsgCursorFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kernel log cursor: %w", err)
	}
	if boot, seq, ok := strings.Cut(strings.TrimSpace(string(data)), " "); ok {
		if n, err := strconv.ParseUint(seq, 10, 64); err == nil {
			k.boot, k.lastSeq = boot, n
			return nil
		}
	}
	damage := fmt.Errorf("kernel log cursor %s: not a cursor; reading the kernel log from its start", kmsgCursorFile)
	k.State.ReportDamage(kmsgCursorFile, damage)
	return damage
}

func (k *Kmsg) saveCursor() error {
	if k.State == nil {
		return nil
	}
	if err := k.State.WriteState(kmsgCursorFile, []byte(fmt.Sprintf("%s %d\n", k.boot, k.lastSeq))); err != nil {
		return fmt.Errorf("kernel log cursor: %w", err)
	}
	return nil
}

func uptime() (time.Duration, error) {
	s, err := sysfsattr.Read("/proc/uptime")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return 0, fmt.Errorf("/proc/uptime: empty")
	}
	f, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(f * float64(time.Second)), nil
}
