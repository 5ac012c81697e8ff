package capture_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// secretAttr names the attributes that identify a machine or a part.
var secretAttr = regexp.MustCompile(`serial|uuid|guid|asset_tag|^mac$|nqn|hostname|wwid|sas_address`)

// identifiers are the identifying values a graph shows, as a redacted
// capture must not hold them.
func identifiers(g *topology.Graph) []string {
	var out []string
	add := func(v string) {
		if !capture.Filler(v) {
			out = append(out, strings.TrimSpace(v))
		}
	}
	for _, c := range g.Components {
		add(c.Serial)
		for k, v := range c.Attrs {
			if s, ok := v.(string); ok && secretAttr.MatchString(k) {
				add(s)
			}
		}
		// An NVMe-oF controller's address: Fibre Channel WWNs, or the
		// target's IP address.
		if a, ok := c.Attrs["address"].(string); ok && c.Kind == topology.KindNVMe {
			for _, f := range strings.FieldsFunc(a, func(r rune) bool { return r == ',' || r == ':' || r == '=' }) {
				if strings.HasPrefix(f, "0x") || strings.Count(f, ".") == 3 {
					add(f)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestRedactedCaptureHoldsNoSecrets: a redacted capture of every real
// machine in testdata holds none of the serial numbers, UUIDs, GUIDs,
// MAC addresses, WWNs, asset tags, NQNs and host names its graph shows,
// in any file, link or name (the test searches the unpacked bytes); and
// it still reads as the same machine: the same components and links,
// joined the same way.
func TestRedactedCaptureHoldsNoSecrets(t *testing.T) {
	total := 0
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			root := fixture.Root(t, c)
			orig := scanTree(t, root, collectors.Options{})
			secrets := identifiers(orig)
			total += len(secrets)
			red := capture.NewRedactor()
			redacted := openArchive(t, captureTree(t, root, red, nil))
			filepath.WalkDir(redacted, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				var data string
				switch {
				case d.Type()&fs.ModeSymlink != 0:
					data, _ = os.Readlink(p)
				case d.Type().IsRegular():
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					data = string(b)
				}
				data += "\n" + d.Name()
				for _, s := range secrets {
					if strings.Contains(strings.ToLower(data), strings.ToLower(s)) {
						t.Errorf("%s holds %q", strings.TrimPrefix(p, redacted), s)
					}
				}
				return nil
			})
			got := scanTree(t, redacted, collectors.Options{})
			if a, b := shape(orig), shape(got); a != b {
				t.Errorf("redacted capture reads as another machine:\n%s\noriginal:\n%s", b, a)
			}
			if left := identifiers(got); len(secrets) > 0 && len(left) == 0 {
				t.Errorf("redaction removed the identifiers instead of replacing them")
			}
		})
	}
	if total < 25 {
		t.Errorf("only %d identifiers in all captures: the search tests little", total)
	}
}

// shape is a graph's components and links, without their attributes.
// Disks and SAS expanders go by their place, since their IDs are their
// WWNs, serials and SAS addresses, which redaction replaces.
func shape(g *topology.Graph) string {
	place := map[string]string{}
	for _, c := range g.Components {
		switch c.Kind {
		case topology.KindDisk:
			place[c.ID] = fmt.Sprintf("disk@%v/%v", c.Attrs["scsi_address"], c.Attrs["block_device"])
		case topology.KindSASExpander:
			place[c.ID] = "sas-expander@" + c.Name
		}
	}
	id := func(s string) string {
		if p, ok := place[s]; ok {
			return p
		}
		return s
	}
	var lines []string
	for _, c := range g.Components {
		lines = append(lines, fmt.Sprintf("%s %s parent=%s", id(c.ID), c.Kind, id(c.Parent)))
	}
	for _, l := range g.Links {
		lines = append(lines, fmt.Sprintf("%s %s→%s", l.Kind, id(l.From), id(l.To)))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
