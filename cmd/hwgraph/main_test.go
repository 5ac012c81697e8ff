package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

func hwgraph(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(topology.JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("graph.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("graph.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJSONValidatesAgainstSchema: the JSON of every capture with a PCI bus,
// and of this machine, validates against the schema kept in the repo.
func TestJSONValidatesAgainstSchema(t *testing.T) {
	s := schema(t)
	roots := map[string]string{"this machine": "/"}
	for _, f := range []string{
		"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
		"hwloc/8em64t-2s2ca2c-buggynuma.tar.bz2",
		"hwloc/nvidiagpunumanodes.tar.bz2",
		"node_exporter/sys.tar.gz",
		"procfs/fixtures.tar.gz",
	} {
		roots[f] = fixture.Root(t, f)
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			code, out, errs := hwgraph(t, "--root", root, "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(inst); err != nil {
				t.Fatalf("schema: %v", err)
			}
			var doc struct {
				Schema     int                        `json:"schema"`
				Components []topology.Component       `json:"components"`
				Collectors []topology.CollectorStatus `json:"collectors"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Schema != 1 || len(doc.Components) == 0 || len(doc.Collectors) == 0 {
				t.Errorf("schema %d, %d components, %d collectors", doc.Schema, len(doc.Components), len(doc.Collectors))
			}
		})
	}
}

// TestDOTRendersWithGraphviz feeds --format dot to Graphviz's dot.
func TestDOTRendersWithGraphviz(t *testing.T) {
	dot := fixture.Tool(t, "dot", "graphviz")
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	code, out, errs := hwgraph(t, "--root", root, "--format", "dot")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(out)
	var svg, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &svg, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot: %v: %s", err, stderr.String())
	}
	for _, want := range []string{"<svg", "pci:0000:43:00.0", "IBA7322 QDR InfiniBand HCA", "numa:3"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

// TestTree checks the default output of a real capture: lstopo-like
// nesting with drivers and link training on the lines.
func TestTree(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	code, out, errs := hwgraph(t, "--root", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"✓ host PowerEdge R910",
		"├─ numa:0 NUMA node 0  128.0 GiB",
		"└─ pci:0000:43:00.0 IBA7322 QDR InfiniBand HCA  [ib_qib]  link x4 8 GT/s",
		"NUMA distances:",
		"Collectors: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"this machine", nil, 0, ""},
		{"text format", []string{"--format", "text", "--collectors", "numa"}, 0, ""},
		{"bad flag", []string{"--frobnicate"}, 2, "unknown long flag"},
		{"bad format", []string{"--format", "xml"}, 2, `unknown format "xml" (want one of tree, json, dot, text, matrix, svg, prom)`},
		{"bad events format", []string{"events", "--format", "xml"}, 2, `hwgraph events: unknown format "xml" (want one of text, json)`},
		{"bad diff format", []string{"diff", "--format", "tree", "a", "b"}, 2, `hwgraph diff: unknown format "tree" (want one of text, json)`},
		{"bad cluster format", []string{"cluster", "--format", "prom", "--targets", "x:1"}, 2, `hwgraph cluster show: unknown format "prom"`},
		{"missing root", []string{"--root", "/nonexistent/root"}, 2, "no such file or directory"},
		{"root is a file", []string{"--root", file}, 2, "not a directory"},
		{"empty root", []string{"--root", t.TempDir()}, 2, "holds neither sys/ nor proc/"},
		{"unknown collector", []string{"--collectors", "pcie,warp"}, 2, `unknown collector "warp"`},
		{"no collector", []string{"--collectors", ",,,"}, 2, "no collector named"},
		{"stray argument", []string{"serve-me"}, 2, "unexpected serve-me"},
		{"bad timeout", []string{"--timeout", "0s"}, 2, "--timeout must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := hwgraph(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errs)
			}
			if tc.msg != "" && !strings.Contains(errs, tc.msg) {
				t.Errorf("stderr %q lacks %q", errs, tc.msg)
			}
			if tc.code == 0 && out == "" {
				t.Error("no output")
			}
		})
	}
}

// TestMatrixFormat: the nvidia-smi topo -m style matrix of the R910's
// NICs. The two BCM5709 ports of 02:00 sit behind root port 00:05.0 and
// those of 03:00 behind 00:06.0 (PIX within, PHB across: both ports hang
// off root bus 0000:00); the InfiniBand HCA is on root bus 0000:40 and
// NUMA node 2 (SYS to all).
func TestMatrixFormat(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	code, out, errs := hwgraph(t, "--root", root, "--format", "matrix", "--collectors", "pcie,numa")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := [][]string{
		{"NIC0", "X", "PIX", "PHB", "PHB", "SYS", "N/A", "N/A"},
		{"NIC1", "PIX", "X", "PHB", "PHB", "SYS", "N/A", "N/A"},
		{"NIC2", "PHB", "PHB", "X", "PIX", "SYS", "N/A", "N/A"},
		{"NIC3", "PHB", "PHB", "PIX", "X", "SYS", "N/A", "N/A"},
		{"NIC4", "SYS", "SYS", "SYS", "SYS", "X", "2,6,10,14,18,22,26,30,34,38", "2"},
	}
	lines := strings.Split(out, "\n")
	for i, w := range want {
		if got := strings.Fields(lines[i+1]); !slices.Equal(got, w) {
			t.Errorf("row %d: %v, want %v", i, got, w)
		}
	}
	if !strings.Contains(out, "NIC4   pci:0000:43:00.0 IBA7322 QDR InfiniBand HCA") {
		t.Errorf("legend missing:\n%s", out)
	}
}

// TestBMCNeedsPassword: --bmc without a password source is a usage error,
// and no password flag exists to leak one into argv.
func TestBMCNeedsPassword(t *testing.T) {
	t.Setenv("HWGRAPH_BMC_PASSWORD", "")
	code, _, errs := hwgraph(t, "--bmc", "127.0.0.1:1", "--bmc-user", "admin", "--collectors", "bmc")
	if code != 2 || !strings.Contains(errs, "password") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if code, _, _ := hwgraph(t, "--bmc-password", "x"); code != 2 {
		t.Error("a --bmc-password flag is accepted")
	}
}

// TestNoSecretsInOutput: the BMC password (from the environment) appears
// nowhere in what hwgraph prints, even when the BMC refuses or is absent.
func TestNoSecretsInOutput(t *testing.T) {
	const secret = "hwgraph-Secret-4b1d"
	t.Setenv("HWGRAPH_BMC_PASSWORD", secret)
	for _, format := range []string{"tree", "json", "text"} {
		_, out, errs := hwgraph(t, "--bmc", "127.0.0.1:1", "--bmc-user", "admin", "--collectors", "bmc", "--format", format, "--timeout", "5s", "--state-dir", "")
		if strings.Contains(out+errs, secret) {
			t.Errorf("%s output holds the password", format)
		}
		if format != "text" && !strings.Contains(out, "bmc") {
			t.Errorf("%s output does not mention the bmc collector:\n%s", format, out)
		}
	}
}

// TestHostRoot: --host-root reads a tree as this machine mounted
// elsewhere: the same parts as --root, but live (the state folder is
// used, the kernel log asked); with --root it is refused.
func TestHostRoot(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	state := t.TempDir()
	only := "--collectors=pcie,numa,kmsg"
	read := func(args ...string) (ids []string, kmsg string) {
		code, out, errs := hwgraph(t, append(args, "--format", "json", only)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var g struct {
			Components []struct{ ID string }
			Collectors []struct{ Name, State string }
		}
		if err := json.Unmarshal([]byte(out), &g); err != nil {
			t.Fatal(err)
		}
		for _, c := range g.Components {
			ids = append(ids, c.ID)
		}
		for _, c := range g.Collectors {
			if c.Name == "kmsg" {
				kmsg = c.State
			}
		}
		return ids, kmsg
	}
	capIDs, capKmsg := read("--root", root)
	hostIDs, hostKmsg := read("--host-root", root, "--state-dir", state)
	if a, b := strings.Join(capIDs, " "), strings.Join(hostIDs, " "); a != b || len(capIDs) < 40 {
		t.Errorf("--host-root reads other parts than --root (%d, %d):\n%s\n---\n%s", len(hostIDs), len(capIDs), b, a)
	}
	if _, err := os.Stat(filepath.Join(state, "baseline.json")); err != nil {
		t.Errorf("--host-root kept no state: %v", err)
	}
	// A capture holds no kernel log; a host root's is this machine's
	// /dev/kmsg, which root reads.
	if capKmsg != "absent" || (os.Geteuid() == 0 && hostKmsg != "ok") {
		t.Errorf("kmsg collector: %s for a capture, %s for a host root", capKmsg, hostKmsg)
	}
	if code, _, errs := hwgraph(t, "--host-root", root, "--root", root); code != 2 || !strings.Contains(errs, "exclude each other") {
		t.Errorf("--host-root with --root: exit %d, %s", code, errs)
	}
}
