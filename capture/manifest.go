package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/ipmi"
	"github.com/hwgraph/hwgraph/nvgpu"
)

// ManifestPath is where a capture keeps its manifest, relative to its
// root: beside sys/ and proc/, in a folder no kernel makes.
const ManifestPath = "hwgraph/capture.json"

// Format is the manifest's format version; a newer one is refused.
const Format = 1

// maxManifest bounds the manifest read: NVML's answers for a machine of
// 16 GPUs with 18 links each are a few hundred KiB.
const maxManifest = 64 << 20

// Manifest says what a capture holds besides its files: how and when it
// was made, what could not be read, and what the live sources answered.
type Manifest struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Version is the hwgraph that made it.
	Version  string `json:"hwgraph_version"`
	Redacted bool   `json:"redacted"`
	// Collectors are those whose files and answers were captured.
	Collectors []string `json:"collectors"`
	Copied     Report   `json:"copied"`
	// NVML is every NVML call the GPU collector made, with its answer;
	// NVMLError why there are none (no driver).
	NVML      []nvgpu.Call `json:"nvml,omitempty"`
	NVMLError string       `json:"nvml_error,omitempty"`
	// BMC is what the BMC answered.
	BMC *ipmi.Recording `json:"bmc,omitempty"`
	// NVMe are the NVMe controllers' SMART / Health Information log
	// pages (binary, base64 in the JSON), by controller ("nvme0").
	NVMe map[string][]byte `json:"nvme_health_logs,omitempty"`
}

// Write writes the manifest into the capture folder dir.
func (m *Manifest) Write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("capture manifest: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("capture manifest: %w", err)
	}
	defer root.Close()
	if err := root.MkdirAll(path.Dir(ManifestPath), 0o755); err != nil {
		return fmt.Errorf("capture manifest: %w", err)
	}
	if err := root.WriteFile(ManifestPath, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("capture manifest: %w", err)
	}
	return nil
}

// ReadManifest reads the manifest of the captured tree at root; a tree
// without one (a tree captured by other tools) gives nil and no error.
// The tree may come from anyone: the read stays inside root and is
// bounded.
func ReadManifest(root string) (*Manifest, error) {
	release, err := sysfsattr.Confine(root)
	if err != nil {
		return nil, fmt.Errorf("capture manifest: %w", err)
	}
	defer release()
	p := filepath.Join(root, ManifestPath)
	typ, err := sysfsattr.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("capture manifest: %w", err)
	}
	if typ != 0 {
		return nil, fmt.Errorf("capture manifest %s: not a regular file", ManifestPath)
	}
	b, err := sysfsattr.ReadFile(p, maxManifest)
	if sysfsattr.IsTooBig(err) {
		return nil, fmt.Errorf("capture manifest %s: larger than %d bytes", ManifestPath, maxManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("capture manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("capture manifest %s: %w", ManifestPath, err)
	}
	if m.Format < 1 || m.Format > Format {
		return nil, fmt.Errorf("capture manifest %s: format %d, this hwgraph reads %d (a newer hwgraph made it?)", ManifestPath, m.Format, Format)
	}
	return &m, nil
}

// Redact replaces the identifying values in the recorded answers: GPU
// serial numbers and UUIDs, the BMC's GUID and address.
func (m *Manifest) Redact(r *Redactor) {
	for i, c := range m.NVML {
		switch c.Func {
		case "GetSerial":
			m.NVML[i].String = r.Text(c.String)
		case "GetUUID":
			m.NVML[i].String = r.Hex(c.String)
		}
	}
	if b := m.BMC; b != nil {
		if b.Address != "" {
			b.Address = r.Host(b.Address)
		}
		if b.Info != nil && b.Info.Device.GUID != "" {
			info := *b.Info
			info.Device.GUID = r.Hex(info.Device.GUID)
			b.Info = &info
		}
	}
	m.Redacted = true
}
