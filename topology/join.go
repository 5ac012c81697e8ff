package topology

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Join is a part a source knows only by what the part reports of itself —
// a serial number, a MAC address, a socket's name — and not by where it
// sits in the machine: a BMC's view of a drive, a NIC or a DIMM. Build
// merges it into the one component of the other sources that reports the
// same value, trying the keys in order; where none does, or several do,
// the part stays under its own ID (below the BMC, or the slot it names)
// with the reason in its AttrUnmatched attribute. A guess never joins.
type Join struct {
	Component *Component
	// Kinds are the kinds of component the part may join (a drive: a
	// disk or an NVMe controller, not the NVMe subsystem that reports the
	// same serial); none: any kind.
	Kinds []string
	By    []Key
}

// Key is one identity to match: the component's Serial ("serial") or a
// string attribute ("mac", "socket") and the value the part reports.
// Values compare ignoring case and punctuation ("12:44:6A:3B:04:11"
// matches "12:44:6a:3b:04:11", "CPU 1" matches "CPU1").
type Key struct {
	Field, Value string
}

// AttrUnmatched says why a joined part found no component to merge into.
const AttrUnmatched = "unmatched"

// AttrJoinedBy names the key a part was merged by ("serial").
const AttrJoinedBy = "joined_by"

// Join adds a part to be merged by identity into a component of one of
// kinds (see Join) and returns it, so a collector can keep filling it.
func (f *Fragment) Join(c *Component, kinds []string, by ...Key) *Component {
	f.Joins = append(f.Joins, Join{Component: c, Kinds: kinds, By: by})
	return c
}

// identity normalises a key's value for comparison; a placeholder that
// firmware writes where it knows no serial ("Not Specified", "00000000",
// "To Be Filled By O.E.M.") is no identity: two parts that both say it
// are not one part.
func identity(v string) string {
	id := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, v)
	if placeholders[id] || strings.Count(id, id[:min(1, len(id))]) == len(id) {
		return "" // "", or one character repeated: 0000, FFFF
	}
	return id
}

var placeholders = map[string]bool{
	"notspecified": true, "unknown": true, "none": true, "notavailable": true, "na": true, "notapplicable": true,
	"unspecified": true, "notpresent": true, "empty": true, "tobefilledbyoem": true, "defaultstring": true,
	"serialnumber": true, "systemserialnumber": true, "0123456789": true, "123456789": true,
}

// joinIndex finds components by a field's value. It is built over the
// components the sources placed themselves, before any join is resolved,
// so one BMC part never joins another.
type joinIndex struct {
	comps []*Component
	by    map[string]map[string][]*Component // field → value → components
}

// lookup finds the components whose field has the identity id.
func (x *joinIndex) lookup(field, id string) []*Component {
	if x.by == nil {
		x.by = map[string]map[string][]*Component{}
	}
	m, ok := x.by[field]
	if !ok {
		m = map[string][]*Component{}
		for _, c := range x.comps {
			v := c.Serial
			if field != "serial" {
				v = String(c.Attrs, field)
			}
			if v = identity(v); v != "" {
				m[v] = append(m[v], c)
			}
		}
		x.by[field] = m
	}
	return m[id]
}

// resolveJoins merges each joined part into the component its keys name,
// else into the component of its own ID, else adds it with the reason.
func (g *Graph) resolveJoins(joins []Join) {
	if len(joins) == 0 {
		return
	}
	x := &joinIndex{}
	for _, c := range g.Components {
		if c.Kind != "" {
			x.comps = append(x.comps, c)
		}
	}
	for _, j := range joins {
		c := j.Component
		if c == nil || c.ID == "" {
			continue
		}
		var why []string
		var target *Component
		tried := map[Key]bool{}
		for _, k := range j.By {
			id := Key{k.Field, identity(k.Value)}
			if id.Value == "" || tried[id] {
				continue
			}
			tried[id] = true
			found := ofKinds(x.lookup(id.Field, id.Value), j.Kinds)
			if len(found) != 1 {
				why = append(why, unmatched(found, j.Kinds, k))
				continue
			}
			target = found[0]
			if target.ID != c.ID {
				target.SetAttr(AttrAliases, joinAlias(String(target.Attrs, AttrAliases), c.ID))
			}
			cp := *c
			cp.ID, cp.Parent, cp.Attrs = target.ID, "", cloneMap(c.Attrs)
			cp.SetAttr(AttrJoinedBy, k.Field)
			target.merge(&cp)
			break
		}
		if target != nil {
			continue
		}
		if _, ok := g.byID[c.ID]; ok {
			g.addComponent(c) // its own ID is known: a DIMM's slot
			continue
		}
		cp := *c
		cp.Attrs = cloneMap(c.Attrs)
		if len(why) > 0 {
			cp.SetAttr(AttrUnmatched, strings.Join(why, "; "))
		} else if len(j.By) > 0 {
			cp.SetAttr(AttrUnmatched, "it reports no identity to match")
		}
		g.addComponent(&cp)
	}
}

// unmatched says why a key found no one component to join.
func unmatched(found []*Component, kinds []string, k Key) string {
	if len(found) > 1 {
		return fmt.Sprintf("%d components report %s %q", len(found), k.Field, k.Value)
	}
	who := "component"
	if len(kinds) > 0 {
		who = strings.Join(kinds, " or ")
	}
	return fmt.Sprintf("no %s reports %s %q", who, k.Field, k.Value)
}

// ofKinds keeps the components of the given kinds; no kinds keeps all.
func ofKinds(cs []*Component, kinds []string) []*Component {
	if len(kinds) == 0 {
		return cs
	}
	var out []*Component
	for _, c := range cs {
		if slices.Contains(kinds, c.Kind) {
			out = append(out, c)
		}
	}
	return out
}

func joinAlias(list, id string) string {
	for _, a := range strings.Split(list, ",") {
		if strings.TrimSpace(a) == id {
			return list
		}
	}
	if list == "" {
		return id
	}
	return list + "," + id
}
