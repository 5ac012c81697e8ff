// Package hwlocxml reads the XML that lstopo writes, so tests can hold our
// graph against hwloc's view of the same captured tree.
package hwlocxml

import (
	"encoding/xml"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"
)

// Object is one hwloc object with the attributes our tests compare.
type Object struct {
	Type         string    `xml:"type,attr"`
	Subtype      string    `xml:"subtype,attr"`
	OSIndex      *int      `xml:"os_index,attr"`
	Nodeset      string    `xml:"nodeset,attr"`
	Cpuset       string    `xml:"cpuset,attr"`
	LocalMemory  uint64    `xml:"local_memory,attr"`
	BridgeType   string    `xml:"bridge_type,attr"`
	BridgePCI    string    `xml:"bridge_pci,attr"`
	PCIBusID     string    `xml:"pci_busid,attr"`
	PCILinkSpeed float64   `xml:"pci_link_speed,attr"`
	Infos        []Info    `xml:"info"`
	Children     []*Object `xml:"object"`
	Parent       *Object   `xml:"-"`
}

// Info is a name/value annotation (DMI strings, CPU model, PCI names).
type Info struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Distances is a distances2 matrix.
type Distances struct {
	Type    string   `xml:"type,attr"`
	Name    string   `xml:"name,attr"`
	Indexes []string `xml:"indexes"`
	Values  []string `xml:"u64values"`
}

// Topology is a whole lstopo XML document.
type Topology struct {
	Root      *Object     `xml:"object"`
	Distances []Distances `xml:"distances2"`
}

// Read parses an lstopo XML file.
func Read(path string) (*Topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Topology
	if err := xml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var link func(o *Object)
	link = func(o *Object) {
		for _, c := range o.Children {
			c.Parent = o
			link(c)
		}
	}
	link(t.Root)
	return &t, nil
}

// Walk calls fn for every object, depth first.
func (t *Topology) Walk(fn func(*Object)) {
	var walk func(o *Object)
	walk = func(o *Object) {
		fn(o)
		for _, c := range o.Children {
			walk(c)
		}
	}
	walk(t.Root)
}

// IsIO reports whether o is an I/O object (bridge, PCI or OS device).
func (o *Object) IsIO() bool {
	return o.Type == "Bridge" || o.Type == "PCIDev" || o.Type == "OSDev"
}

// Locality returns the nodeset of the first non-I/O ancestor: the NUMA
// nodes hwloc considers the object local to.
func (o *Object) Locality() ([]int, error) {
	p := o.Parent
	for p != nil && p.IsIO() {
		p = p.Parent
	}
	if p == nil {
		return nil, fmt.Errorf("%s has no non-I/O ancestor", o.PCIBusID)
	}
	return ParseSet(p.Nodeset)
}

// ParseSet parses an hwloc bitmap such as "0x000000ff,0xffffffff".
func ParseSet(s string) ([]int, error) {
	words := strings.Split(s, ",")
	var out []int
	for i := len(words) - 1; i >= 0; i-- {
		w := strings.TrimPrefix(words[i], "0x")
		if w == "" {
			w = "0"
		}
		v, err := strconv.ParseUint(w, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("bitmap %q: %w", s, err)
		}
		base := (len(words) - 1 - i) * 32
		for v != 0 {
			b := bits.TrailingZeros64(v)
			out = append(out, base+b)
			v &^= 1 << b
		}
	}
	return out, nil
}

// Info returns the value of the named info, "" if absent.
func (o *Object) Info(name string) string {
	for _, i := range o.Infos {
		if i.Name == name {
			return i.Value
		}
	}
	return ""
}
