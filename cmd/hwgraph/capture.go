package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/capture/archive"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/atomicfile"
	"github.com/hwgraph/hwgraph/ipmi"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/scan"
)

// captureCommand is `hwgraph capture -o FILE`: the files the collectors read
// and what the live sources answered, in one archive that `--root FILE`
// reads anywhere.
func captureCommand(app *cli) {
	c := app.command(nil, "capture", "Copies what hwgraph reads of this machine (or of --root) into an archive that "+
		"`hwgraph --root FILE` reads anywhere: sysfs, /proc and SMBIOS files, and NVML's and the BMC's answers. "+
		"Nothing is written to hardware.")
	sc := addScanFlags(c)
	out := c.Flag("output", "Write the archive to this file (.tar.gz), or - for standard output.").Short('o').Required().PlaceHolder("FILE").String()
	redact := c.Flag("redact", "Replace serial numbers, UUIDs, GUIDs, MAC addresses, WWNs, asset tags and host names by placeholders, for a public bug report.").Bool()
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		if *out != "-" {
			if _, err := os.Lstat(*out); err == nil {
				return fail(stderr, 1, "hwgraph capture: %s exists; remove it or name another file", *out)
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		sc.ownSignals = true
		m, rootDone, err := sc.openRoot()
		if err != nil {
			return fail(stderr, 2, "hwgraph capture: %v", err)
		}
		defer rootDone()
		opts, err := sc.options()
		if err != nil {
			return fail(stderr, 2, "hwgraph capture: %v", err)
		}
		man := &capture.Manifest{Format: capture.Format, Created: time.Now().UTC(), Version: version.Version}
		var red *capture.Redactor
		if *redact {
			red = capture.NewRedactor()
		}
		reg, err := captureRegistry(ctx, sc, opts, m, man)
		if err != nil {
			return fail(stderr, 2, "hwgraph capture: %v", err)
		}
		stage, err := os.MkdirTemp("", "hwgraph-capture-")
		if err != nil {
			return fail(stderr, 1, "hwgraph capture: %v", err)
		}
		defer os.RemoveAll(stage)
		man.Collectors = reg.Names()
		man.Copied, err = capture.Copy(ctx, sc.env().Root, stage, reg.Reads(), red, capture.DefaultLimits)
		if err != nil {
			return fail(stderr, 1, "hwgraph capture: %v", err)
		}
		if red != nil {
			man.Redact(red)
		}
		if err := man.Write(stage); err != nil {
			return fail(stderr, 1, "hwgraph capture: %v", err)
		}
		size, err := writeArchive(ctx, *out, stdout, stage)
		if err != nil {
			return fail(stderr, 1, "hwgraph capture: %v", err)
		}
		fmt.Fprintln(stderr, captureSummary(man, sc.env().Root, *out, size))
		return 0
	}
}

// captureRegistry builds the collectors the flags select. On the live
// machine it then runs those that ask live sources (NVML, the BMC, the
// NVMe health logs), to record their answers in man; a capture of a
// capture carries the recorded answers over.
func captureRegistry(ctx context.Context, sc *scanConfig, opts collectors.Options, m *capture.Manifest, man *capture.Manifest) (*collectors.Registry, error) {
	live := sc.live()
	var rec *nvgpu.Recorder
	var mu sync.Mutex
	if live {
		if lib, err := nvgpu.Open(nvgpu.DefaultLibrary); err == nil {
			rec = &nvgpu.Recorder{Library: lib}
			opts.NVML = rec
		} else {
			man.NVMLError = err.Error()
		}
		opts.BMCRecord = func(r ipmi.Recording) {
			mu.Lock()
			defer mu.Unlock()
			man.BMC = &r
		}
		opts.NVMeRecord = func(ctrl string, page []byte) {
			mu.Lock()
			defer mu.Unlock()
			if man.NVMe == nil {
				man.NVMe = map[string][]byte{}
			}
			man.NVMe[ctrl] = page
		}
	}
	reg := collectors.New(opts)
	if only := sc.collectors.selected(); only != nil {
		var err error
		if reg, err = reg.Select(only); err != nil {
			return nil, fmt.Errorf("--collectors: %w", err)
		}
	}
	if m != nil {
		man.NVML, man.NVMLError, man.BMC, man.NVMe = m.NVML, m.NVMLError, m.BMC, m.NVMe
	}
	if !live {
		return reg, nil
	}
	var liveOnes []string
	for _, n := range reg.Names() {
		if n == "gpu" || n == "bmc" || n == "nvme" {
			liveOnes = append(liveOnes, n)
		}
	}
	if !slices.Contains(liveOnes, "gpu") {
		man.NVMLError = ""
	}
	if len(liveOnes) > 0 {
		asked, _ := reg.Select(liveOnes)
		(&scan.Engine{Source: &scan.Machine{Registry: asked, Env: sc.env()}, Timeout: sc.timeout}).Scan(ctx)
		if rec != nil {
			man.NVML = rec.Calls()
		}
	}
	return reg, nil
}

// writeArchive packs the folder into the file name, or stdout for "-",
// and returns the archive's size. The file appears whole or not at all.
func writeArchive(ctx context.Context, name string, stdout io.Writer, dir string) (int64, error) {
	if name == "-" {
		cw := &countingWriter{w: stdout}
		err := archive.Pack(ctx, cw, dir)
		return cw.n, err
	}
	if err := atomicfile.Write(name, func(w io.Writer) error { return archive.Pack(ctx, w, dir) }); err != nil {
		return 0, err
	}
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// captureSummary is the line that tells what was captured.
func captureSummary(m *capture.Manifest, root, out string, size int64) string {
	s := fmt.Sprintf("hwgraph capture: %d files, %d links, %d folders (%s) of %s",
		m.Copied.Files, m.Copied.Links, m.Copied.Folders, bytesText(m.Copied.Bytes), root)
	if out != "-" {
		s += fmt.Sprintf(" in %s (%s)", out, bytesText(size))
	}
	if n := len(m.NVML); n > 0 {
		s += fmt.Sprintf("; %d NVML answers", n)
	}
	if m.BMC != nil {
		s += "; the BMC's answers"
	}
	if n := len(m.NVMe); n > 0 {
		s += fmt.Sprintf("; %d NVMe health logs", n)
	}
	if m.Redacted {
		s += "; redacted"
	}
	if n := len(m.Copied.Unreadable); n > 0 {
		s += fmt.Sprintf("; %d unreadable (listed in %s)", n, capture.ManifestPath)
	}
	return s
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
