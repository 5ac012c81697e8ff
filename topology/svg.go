package topology

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// SVGOptions choose what WriteSVG draws.
type SVGOptions struct {
	// NoIO draws CPUs and memory only, as lstopo --no-io.
	NoIO bool
	// OnlyUnhealthy draws the parts that are not ok, with the boxes that
	// hold them up to the host, for context.
	OnlyUnhealthy bool
}

// The drawing's metrics. Text is monospace, so a box's width follows from
// the characters it holds: charW is wider than any monospace font's
// advance at fontSize (DejaVu Sans Mono's is 7.2 px), so text never
// overflows its box in a browser.
const (
	fontSize   = 12
	charW      = 7.5
	lineH      = 15
	pad        = 6
	gap        = 8
	maxChars   = 48   // a line longer than this is cut, whole in the box's tooltip
	rowWidth   = 900  // children wrap to a new row past this width
	hostRow    = 2000 // the host's: NUMA nodes side by side
	minBoxW    = 90
	svgMaxDraw = 64 // as the tree: deeper nesting is a broken graph
)

// svgColors are each state's border and fill; the mark in front of every
// title says the same for grey print and colour-blind eyes.
var svgColors = map[State][2]string{
	StateOK:       {"#2e7d32", "#f1f8e9"},
	StateUnknown:  {"#757575", "#f5f5f5"},
	StateDegraded: {"#e65100", "#fff3e0"},
	StateFailed:   {"#b71c1c", "#ffebee"},
	StateMissing:  {"#6a1b9a", "#f3e5f5"},
}

// box is one component's rectangle, laid out.
type box struct {
	c        *Component
	link     *Link // the tree link above it, if any
	state    State // the worse of the component's and its link's
	lines    []svgLine
	title    string // the tooltip: every line whole, and the reasons
	kids     []*box
	x, y     float64 // the corner, set by place
	dx, dy   float64 // the corner within the parent's, set by its measure
	w, h     float64
	rowLimit float64
}

type svgLine struct {
	text  string
	color string // "" is the default
}

// WriteSVG draws the graph as nested boxes, lstopo-style: the host holds
// its NUMA nodes, each its packages and PCI trees; DIMMs, the BMC and
// parts without a NUMA node sit in the host. Each box carries its health
// (colour and mark), the link above it (`link x8 8 GT/s of x16 16 GT/s`,
// coloured by the link's health) and a tooltip with the reasons. Links
// that are not containment (NVLink, NVMe paths) are drawn as lines over
// the boxes. The same graph gives the same bytes.
func WriteSVG(w io.Writer, g *Graph, opt SVGOptions) error {
	g = g.printable()
	kids := g.childIndex()
	edges := g.treeLinks()
	keep := svgKeep(g, kids, edges, opt)
	var build func(c *Component, depth int) *box
	build = func(c *Component, depth int) *box {
		b := newBox(c, edges[c.ID])
		if depth < svgMaxDraw {
			for _, k := range kids[c.ID] {
				if keep(k) {
					b.kids = append(b.kids, build(k, depth+1))
				}
			}
		}
		if depth == 0 {
			// NUMA nodes first, side by side, as lstopo draws them;
			// what hangs from the host itself (DIMMs, the BMC) below.
			slices.SortStableFunc(b.kids, func(x, y *box) int { return svgRank(x.c.Kind) - svgRank(y.c.Kind) })
		}
		b.rowLimit = rowWidth
		if depth == 0 {
			b.rowLimit = hostRow
		}
		b.measure()
		return b
	}
	root := build(g.Host, 0)
	root.place(gap, gap)
	byID := map[string]*box{}
	var all []*box
	var index func(b *box)
	index = func(b *box) {
		byID[b.c.ID] = b
		all = append(all, b)
		for _, k := range b.kids {
			index(k)
		}
	}
	index(root)

	bw := bufio.NewWriter(w)
	W, H := root.w+2*gap, root.h+2*gap
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans Mono, monospace" font-size="%d">`+"\n",
		num(W), num(H), num(W), num(H), fontSize)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	for _, b := range all {
		b.write(bw)
	}
	for _, l := range g.Links {
		if edges[l.To] == l || l.Kind == LinkNUMAInterconnect {
			continue // drawn as containment, or the distance matrix
		}
		from, to := byID[l.From], byID[l.To]
		if from == nil || to == nil {
			continue
		}
		writeLinkLine(bw, l, from, to)
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

func svgRank(kind string) int {
	switch kind {
	case KindNUMANode:
		return 0
	case KindCPUPackage:
		return 1
	}
	return 2
}

// svgKeep says which components the options draw.
func svgKeep(g *Graph, kids map[string][]*Component, edges map[string]*Link, opt SVGOptions) func(*Component) bool {
	noIO := func(c *Component) bool {
		switch c.Kind {
		case KindNUMANode, KindCPUPackage, KindMemoryController, KindDIMM:
			return true
		}
		return false
	}
	if !opt.OnlyUnhealthy {
		return func(c *Component) bool { return !opt.NoIO || noIO(c) }
	}
	// A part is kept when it, its link, or anything below it is not ok.
	sick := map[string]bool{}
	var mark func(c *Component, depth int) bool
	mark = func(c *Component, depth int) bool {
		bad := c.Health.State != StateOK
		if l := edges[c.ID]; l != nil && l.Health.State != StateOK {
			bad = true
		}
		if depth < svgMaxDraw {
			for _, k := range kids[c.ID] {
				if mark(k, depth+1) {
					bad = true
				}
			}
		}
		sick[c.ID] = bad
		return bad
	}
	mark(g.Host, 0)
	return func(c *Component) bool { return sick[c.ID] && (!opt.NoIO || noIO(c)) }
}

func newBox(c *Component, l *Link) *box {
	b := &box{c: c, link: l, state: c.Health.State}
	if b.state == "" {
		b.state = StateUnknown
	}
	if l != nil && l.Health.State.Severity() > b.state.Severity() {
		b.state = l.Health.State
	}
	head := stateMark[b.state] + " " + c.ID
	if c.Kind == KindHost {
		head = stateMark[b.state] + " " + hostTitle(c)
	}
	var full []string
	add := func(s, color string) {
		if s == "" {
			return
		}
		full = append(full, s)
		b.lines = append(b.lines, svgLine{cut(s), color})
	}
	add(head, "")
	if c.Name != "" && c.Name != c.ID && c.Kind != KindHost {
		add(c.Name, "")
	}
	add(svgFacts(c), "")
	if l != nil {
		if s := linkSummary(l); s != "" {
			add("link "+s, svgColors[l.Health.State][0])
		}
	}
	reasons := slices.Concat(c.Health.Reasons, linkReasons(l))
	if len(reasons) > 0 {
		add(strings.Join(reasons, "; "), svgColors[b.state][0])
	}
	b.title = strings.Join(full, "\n")
	return b
}

func linkReasons(l *Link) []string {
	if l == nil {
		return nil
	}
	return l.Health.Reasons
}

// svgFacts is the third line: the driver, memory, CPUs, slot and
// firmware, as the tree shows them.
func svgFacts(c *Component) string {
	var parts []string
	if d := String(c.Attrs, "driver"); d != "" {
		parts = append(parts, "["+d+"]")
	}
	if m, ok := Number(c.Attrs, "memory_bytes"); ok {
		parts = append(parts, humanBytes(m))
	}
	if c.Kind == KindDIMM {
		parts = append(parts, dimmSummary(c)...)
	}
	if cpus := String(c.Attrs, "cpus"); cpus != "" {
		parts = append(parts, "cpus "+cpus)
	}
	if s := String(c.Attrs, "slot_label"); s != "" {
		parts = append(parts, "slot "+s)
	}
	if c.Firmware != "" && c.Kind != KindHost {
		parts = append(parts, "fw "+c.Firmware)
	}
	if s := counterSummary(c.Counters); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, "  ")
}

// cut shortens a line to maxChars, marking the cut.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxChars {
		return s
	}
	r := []rune(s)
	return string(r[:maxChars-1]) + "…"
}

// measure sizes the box: its lines, then its children in rows that wrap
// at rowLimit, each child's corner within the box kept for place.
func (b *box) measure() {
	textW := 0
	for _, l := range b.lines {
		textW = max(textW, utf8.RuneCountInString(l.text))
	}
	b.w = max(minBoxW, float64(textW)*charW+2*pad)
	head := float64(len(b.lines))*lineH + 2*pad
	if len(b.kids) == 0 {
		b.h = head
		return
	}
	limit := max(b.rowLimit, b.w-2*pad)
	rowW, rowH, inner, height := 0.0, 0.0, 0.0, 0.0
	for _, k := range b.kids {
		if rowW > 0 && rowW+gap+k.w > limit {
			inner = max(inner, rowW)
			height += rowH + gap
			rowW, rowH = 0, 0
		}
		if rowW > 0 {
			rowW += gap
		}
		k.dx, k.dy = pad+rowW, head+height
		rowW += k.w
		rowH = max(rowH, k.h)
	}
	inner = max(inner, rowW)
	height += rowH
	b.w = max(b.w, inner+2*pad)
	b.h = head + height + pad
}

// place sets the box's corner and its children's, where measure put them.
func (b *box) place(x, y float64) {
	b.x, b.y = x, y
	for _, k := range b.kids {
		k.place(x+k.dx, y+k.dy)
	}
}

func (b *box) write(w *bufio.Writer) {
	col := svgColors[b.state]
	stroke := "1"
	dash := ""
	switch b.state {
	case StateDegraded, StateFailed:
		stroke = "3"
	case StateMissing, StateUnknown:
		dash = ` stroke-dasharray="5,3"`
	}
	fmt.Fprintf(w, `<g class="part" data-id="%s" data-kind="%s" data-state="%s"><title>%s</title>`,
		xmlEscape(b.c.ID), xmlEscape(b.c.Kind), b.state, xmlEscape(b.title))
	fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s" stroke="%s" stroke-width="%s"%s/>`,
		num(b.x), num(b.y), num(b.w), num(b.h), col[1], col[0], stroke, dash)
	for i, l := range b.lines {
		fill := "#212121"
		if l.color != "" {
			fill = l.color
		}
		weight := ""
		if i == 0 {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(w, `<text x="%s" y="%s" fill="%s"%s>%s</text>`, num(b.x+pad), num(b.y+pad+float64(i+1)*lineH-3), fill, weight, xmlEscape(l.text))
	}
	w.WriteString("</g>\n")
}

// writeLinkLine draws a link between two boxes that do not contain each
// other: from the middle of one's bottom edge to the other's.
func writeLinkLine(w *bufio.Writer, l *Link, from, to *box) {
	st := l.Health.State
	if st == "" {
		st = StateUnknown
	}
	col := svgColors[st][0]
	x1, y1 := from.x+from.w/2, from.y+from.h
	x2, y2 := to.x+to.w/2, to.y+to.h
	label := l.Kind
	if s := linkSummary(l); s != "" {
		label += " " + s
	}
	if st != StateOK {
		label = stateMark[st] + " " + label
	}
	fmt.Fprintf(w, `<g class="link" data-id="%s" data-kind="%s" data-state="%s"><title>%s</title>`,
		xmlEscape(l.ID), xmlEscape(l.Kind), st, xmlEscape(strings.Join(append([]string{l.From + " → " + l.To}, l.Health.Reasons...), "\n")))
	fmt.Fprintf(w, `<path d="M%s %s C%s %s %s %s %s %s" fill="none" stroke="%s" stroke-width="2" stroke-opacity="0.7"/>`,
		num(x1), num(y1), num(x1), num(max(y1, y2)+40), num(x2), num(max(y1, y2)+40), num(x2), num(y2), col)
	fmt.Fprintf(w, `<text x="%s" y="%s" fill="%s" font-size="10">%s</text></g>`+"\n", num((x1+x2)/2), num(max(y1, y2)+34), col, xmlEscape(label))
}

// num prints a coordinate without trailing zeros: the same layout gives
// the same bytes.
func num(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
}

var xmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func xmlEscape(s string) string { return xmlReplacer.Replace(s) }
