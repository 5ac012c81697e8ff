package layering

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hwgraph/hwgraph/"

// busPackages are the packages that read and decode one source, knowing
// nothing of the graph: every top-level package the collectors import
// but topology and capture, so a new collector's source is held to the
// rule without a list to edit.
func busPackages(pkgs map[string]pkg) []string {
	var out []string
	for _, imp := range ours(pkgs["collectors"].Imports) {
		if !strings.Contains(imp, "/") && imp != "topology" && imp != "capture" {
			out = append(out, imp)
		}
	}
	return out
}

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	GoFiles    []string
}

// ourPackages lists the module's packages with their non-test imports.
func ourPackages(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	return pkgs
}

func ours(imports []string) []string {
	var out []string
	for _, i := range imports {
		if rel, ok := strings.CutPrefix(i, module); ok {
			out = append(out, rel)
		}
	}
	return out
}

// TestLayering: a bus package imports no topology and no collector;
// topology imports nothing of ours; collectors import no engine or
// renderer; exporter (a renderer) calls no collector; nothing but tests
// uses internal/testkit.
func TestLayering(t *testing.T) {
	pkgs := ourPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	forbid := func(from string, to ...string) {
		p, ok := pkgs[from]
		if !ok {
			t.Errorf("no package %s", from)
			return
		}
		for _, imp := range ours(p.Imports) {
			for _, bad := range to {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					t.Errorf("%s imports %s", from, imp)
				}
			}
		}
	}
	bus := busPackages(pkgs)
	if !slices.Contains(bus, "pcie") || !slices.Contains(bus, "redfish") || len(bus) < 10 {
		t.Fatalf("bus packages %v: the collectors' imports no longer name them", bus)
	}
	for _, b := range bus {
		forbid(b, "topology", "collectors", "scan", "history", "exporter", "cluster", "cmd")
	}
	if p := pkgs["topology"]; len(ours(p.Imports)) > 0 {
		t.Errorf("topology imports %v", ours(p.Imports))
	}
	forbid("collectors", "scan", "exporter", "cluster", "cmd")
	// A capture copies and replays what collectors declare; it knows
	// no graph and runs no collector.
	forbid("capture", "topology", "collectors", "scan", "history", "exporter", "cluster", "cmd")
	forbid("exporter", "collectors", "scan", "cmd")
	forbid("history", "collectors", "scan", "exporter", "cmd")
	// Test doubles and fixtures live under internal/testkit, and only
	// tests use them: the product links none.
	for name := range pkgs {
		if !strings.HasPrefix(name, "internal/testkit/") {
			forbid(name, "internal/testkit")
		}
	}
}

// sharedFiles of the collectors package are the registry's, not a
// collector's, and so are the files named after them (scanmemo_cpus.go).
var sharedFiles = []string{"collector.go", "registry.go", "flags.go", "scanmemo.go"}

// shared tells whether file is one of the registry's.
func shared(file string) bool {
	return slices.Contains(sharedFiles, collectorOf(file)+".go")
}

// collectorOf names the collector a file belongs to: memory_slots.go is
// the memory collector's.
func collectorOf(file string) string {
	name := strings.TrimSuffix(file, ".go")
	name, _, _ = strings.Cut(name, "_")
	return name
}

// TestCollectorsStandAlone: no collector uses what another collector's
// files declare; what two need lives in a bus package or topology.
func TestCollectorsStandAlone(t *testing.T) {
	p := ourPackages(t)["collectors"]
	fset := token.NewFileSet()
	declared := map[string]string{} // package-level name → collector
	files := map[string]*ast.File{}
	for _, f := range p.GoFiles {
		af, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = af
		if shared(f) {
			continue
		}
		for name := range declaredNames(af) {
			declared[name] = collectorOf(f)
		}
	}
	for f, af := range files {
		if shared(f) {
			continue
		}
		local := declaredNames(af)
		ast.Inspect(af, func(n ast.Node) bool {
			// Only free identifiers can name another file's declaration:
			// selectors (x.Name) and struct fields are other things.
			switch n := n.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(n.X, func(m ast.Node) bool { check(t, f, m, declared, local); return true })
				return false
			case *ast.KeyValueExpr, *ast.Field:
				return false
			}
			check(t, f, n, declared, local)
			return true
		})
	}
}

func check(t *testing.T, file string, n ast.Node, declared map[string]string, local map[string]bool) {
	id, ok := n.(*ast.Ident)
	if !ok || local[id.Name] || id.Obj != nil && id.Obj.Kind == ast.Var {
		return
	}
	if c, ok := declared[id.Name]; ok && c != collectorOf(file) {
		t.Errorf("%s uses %s of the %s collector", file, id.Name, c)
	}
}

// declaredNames are a file's package-level functions, types, variables
// and constants.
func declaredNames(f *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				out[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					out[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						out[n.Name] = true
					}
				}
			}
		}
	}
	return out
}
