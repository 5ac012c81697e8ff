package topology

// Fragment is what one collector saw: part of the graph, to be merged with
// the fragments of the others. A graph built from it may share its
// components' and links' attribute maps (until the graph changes one), so
// a collector does not change them after handing them over: one that
// keeps a component between scans builds a new one to change it.
type Fragment struct {
	Components []*Component
	Links      []*Link
	Events     []Event
	// Joins are parts known by identity rather than place, merged after
	// every fragment's components (see Join).
	Joins []Join
	// Problems are the things the collector could not read, each already
	// reflected in the health of the component it concerns. They do not
	// make the collector fail.
	Problems []string
}

// Annotate adds attributes to a component another collector owns, such as
// the firmware's name for a PCI slot: a component with no kind. It is
// merged into the component with its ID and dropped when no fragment has
// one, so an annotation never invents hardware.
func (f *Fragment) Annotate(id string) *Component {
	return f.Add(&Component{ID: id})
}

// Add appends a component and returns it, so a collector can keep filling it.
func (f *Fragment) Add(c *Component) *Component {
	f.Components = append(f.Components, c)
	return c
}

// AddLink appends a link and returns it.
func (f *Fragment) AddLink(l *Link) *Link {
	f.Links = append(f.Links, l)
	return l
}

// Problem records a non-fatal read problem.
func (f *Fragment) Problem(msg string) {
	f.Problems = append(f.Problems, msg)
}
