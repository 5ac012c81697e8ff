package collectors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/i2c"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/ipmi"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
	"github.com/hwgraph/hwgraph/uevent"
)

// Options configure the collectors New builds: everything a collector is
// given comes from here, so two registries (a test's, a second command's)
// never share a collector's settings.
type Options struct {
	// Rules are the health thresholds Scan judges with.
	Rules topology.Rules
	// State keeps what collectors remember between runs (the kernel log's
	// and the SEL's cursors); nil keeps it in memory only.
	State State
	// PCINames names PCI vendors, devices and classes; nil is the
	// system's pci.ids.
	PCINames *pcie.NameDB
	// NVML is the GPU library; nil is the driver's libnvidia-ml, asked
	// on the live machine only.
	NVML nvgpu.Library
	// I2CProber, when set, reads its allow-listed I²C devices every scan
	// to find locked buses (--i2c-read; opt-in).
	I2CProber *i2c.Prober
	// BMC is the BMC to read over the network; without a Host the
	// in-band /dev/ipmi0 is read when there is one.
	BMC BMCTarget
	// Redfish is a BMC read over Redfish; its zero value reads none.
	Redfish RedfishTarget
	// BMCReplay, when set, is a capture's recorded BMC read, answered
	// instead of a BMC; BMCRecord is given each read of a real one, for
	// a capture. (NVML is recorded and replayed through NVML itself.)
	BMCReplay *ipmi.Recording
	BMCRecord func(ipmi.Recording)
	// NVMeReplay, when set, are a capture's NVMe health log pages by
	// controller, read instead of the controllers; NVMeRecord is given
	// each page read, for a capture.
	NVMeReplay map[string][]byte
	NVMeRecord func(ctrl string, page []byte)
	// KmsgFile is a saved kernel log to read instead of /dev/kmsg.
	KmsgFile string
	// FullScanInterval is how long what does not change without a device
	// event (a PCI function's identity and placement) is trusted before
	// it is read again whole; 0 is DefaultFullScanInterval. A device
	// event makes the next scan whole anyway (Registry.Invalidate).
	FullScanInterval time.Duration
	// Agent says the registry scans for a long-running agent: a slow
	// source's inventory (a BMC's parts over Redfish) is read apart from
	// the scans, which use the last reading, instead of within one.
	Agent bool
}

// DefaultFullScanInterval is Options.FullScanInterval's default.
const DefaultFullScanInterval = time.Hour

func (o Options) fullScanInterval() time.Duration {
	if o.FullScanInterval <= 0 {
		return DefaultFullScanInterval
	}
	return o.FullScanInterval
}

// BMCTarget is a BMC reached over IPMI RMCP+ (lanplus).
type BMCTarget struct {
	Host, User string
	// Password comes from a file or the environment, never argv.
	Password    string
	CipherSuite int
	// SkipChassis leaves out Get Chassis Status (see BMC).
	SkipChassis bool
}

// RedfishTarget is a BMC reached over Redfish.
type RedfishTarget struct {
	// URL is the service's scheme and host: https://bmc.example.org,
	// or http:// for a plain-HTTP service (test servers, some labs).
	URL, User string
	// Password comes from a file or the environment, never argv.
	Password string
	// HTTP carries the TLS settings (a CA file, or the system pool);
	// nil is http.DefaultClient.
	HTTP *http.Client
}

// builders are every collector, by name (register). Their fragments
// merge in name order (Names): when two collectors give one component the
// same field, the order decides, and that order is this precedence table
// (TestPrecedence holds the names to it; a collector whose name would
// break it is named to fit):
//
//	field                            of           first (kept)   over    why
//	name, vendor, model, serial,     a GPU        gpu            pcie    NVML names the board ("NVIDIA H100 80GB HBM3"), pci.ids the chip
//	  firmware
//	name, model, serial, firmware    an NVMe      nvme           pcie    the controller's Identify data is the product; pci.ids names the chip family
//	vendor, model, firmware          the host     host           smbios  /sys/class/dmi/id holds SMBIOS's strings as the kernel cleaned them
//	name, vendor, model, firmware    the BMC      bmc            smbios  what the BMC answers now, over the firmware's static record
//	model, firmware                  the BMC      bmc            redfish IPMI's Get Device ID, when both are read: one BMC, two interfaces
//	vendor, model, serial            a DIMM       memory         redfish the SMBIOS record the OS sees, over the BMC's copy of it
//	name, vendor, model, serial      a DIMM       memory (SMBIOS slot, within one collector)  EDAC label  the slot's record names the module; EDAC only its position
//
// Identity fields (name, vendor, model, serial, firmware, parent) keep the
// first collector's value; attributes and counters take the last one's;
// health keeps the worst. No two collectors set the same attribute of a
// component on any capture in testdata.
var builders = map[string]func(Options) Collector{}

// register makes a collector one of those New builds, from the Options
// given: each collector's file registers its own from its init, as
// node_exporter's collectors do, so adding a collector is its file and
// that one call.
func register(name string, build func(Options) Collector) {
	if _, dup := builders[name]; dup {
		panic("collectors: collector " + name + " registered twice")
	}
	builders[name] = build
}

// Names lists every collector, sorted: their merge order.
func Names() []string { return slices.Sorted(maps.Keys(builders)) }

// New builds every collector from opts, in merge order.
func New(opts Options) *Registry {
	r := &Registry{Rules: opts.Rules, tables: newKeptTables(opts.fullScanInterval()), cpus: &keptCPUs{MaxAge: opts.fullScanInterval()},
		absent: &keptAbsences{MaxAge: opts.fullScanInterval()}}
	for _, name := range Names() {
		r.Register(builders[name](opts))
	}
	return r
}

// keptAbsences holds, by name, the status of each collector that found
// no source on a heard scan (no hwmon chip, no BMC device, no GPU
// library). A source comes with a device (a chip registered, a driver
// bound), so its collector is not called again until a device event, or
// the full-scan interval.
type keptAbsences = memo.Map[string, topology.CollectorStatus]

// Registry is an ordered set of collectors. Fragments merge in registry
// order, so a graph does not depend on which collector finished first.
type Registry struct {
	collectors []Collector
	tables     *keptTables   // the SMBIOS tables, kept across scans
	cpus       *keptCPUs     // the CPUs' topology, kept across heard scans
	absent     *keptAbsences // the collectors that found no source, kept across heard scans
	heard      atomic.Bool   // see SetHeard
	// keeper holds open what the scans read below the root, on the live
	// machine or a heard tree (sysfsattr.KeepOpen); keptRoot is its root.
	keepMu   sync.Mutex
	keeper   *sysfsattr.Keeper
	keptRoot string
	// unconfine releases the confinement of keptRoot held with the
	// Keeper: a captured root is resolved once, not at every scan.
	unconfine func()
	// Rules are the health thresholds Scan judges with.
	Rules topology.Rules

	// stuck holds, by collector name, the call that outlived its scan's
	// deadline and has not returned since: a read blocked in the kernel
	// (a driver's show() waiting on a hung device) cannot be interrupted,
	// and calling again every scan would pile up one blocked goroutine
	// per scan.
	mu    sync.Mutex
	stuck map[string]*call
	// workers runs each collector's calls in a goroutine of its own kept
	// across scans: a goroutine started each scan grew its stack again
	// each scan.
	workers *workers
}

// call is one run of a collector: done is closed when Collect returns,
// after its answer is sent.
type call struct {
	name   string
	since  time.Time
	done   chan struct{}
	answer chan outcome
	ctx    context.Context
	env    Env
}

// Register appends c, last in merge order; New registers the whole list,
// tests a collector of their own. Registering a name twice is a
// programming error.
func (r *Registry) Register(c Collector) {
	for _, have := range r.collectors {
		if have.Name() == c.Name() {
			panic("collectors: duplicate collector " + c.Name())
		}
	}
	r.collectors = append(r.collectors, c)
}

// Names lists the registered collectors, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.collectors))
	for _, c := range r.collectors {
		out = append(out, c.Name())
	}
	sort.Strings(out)
	return out
}

// Select returns a registry holding only the named collectors, in this
// registry's order. An unknown name is an error naming the known ones, and
// so is an empty list: a scan of nothing is a mistake.
func (r *Registry) Select(names []string) (*Registry, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no collector named (have %s)", strings.Join(r.Names(), ", "))
	}
	out := &Registry{Rules: r.Rules, tables: r.tables, cpus: r.cpus, absent: r.absent}
	for _, n := range names {
		if !slices.ContainsFunc(r.collectors, func(c Collector) bool { return c.Name() == n }) {
			return nil, fmt.Errorf("unknown collector %q (have %s)", n, strings.Join(r.Names(), ", "))
		}
	}
	for _, c := range r.collectors {
		if slices.Contains(names, c.Name()) {
			out.collectors = append(out.collectors, c)
		}
	}
	return out, nil
}

// Reads returns what the registered collectors read, for a capture.
func (r *Registry) Reads() []capture.Read {
	var out []capture.Read
	for _, c := range r.collectors {
		out = append(out, c.Reads()...)
	}
	return out
}

// Watcher is a collector that also listens between scans, such as the
// GPU collector for NVML's Xid events: Watch runs until ctx is done, and
// what it heard shows in the next scans.
type Watcher interface {
	Collector
	Watch(ctx context.Context, env Env) error
}

// Invalidator is a collector that keeps an inventory between scans:
// Invalidate makes its next scan read everything whole.
type Invalidator interface {
	Invalidate()
}

// SetHeard says whether the kernel's device events reach the registry
// (DeviceEvent is called with each): only then do its scans trust what
// changes only with one — a known PCI function's driver and device path,
// the CPUs' topology — between them. Without them every scan reads
// those again.
func (r *Registry) SetHeard(on bool) { r.heard.Store(on) }

// DeviceForgetter is a collector that can forget what it keeps of one
// device: a PCI function's driver bound or unbound, or it changed.
type DeviceForgetter interface {
	ForgetDevice(subsystem, name string)
}

// DeviceEvent takes every kernel device event: the folders' listings kept
// between heard scans, and the sources found absent, are dropped
// (whatever its subsystem, a device came or went). Of one that calls for
// a scan (uevent.Event.Rescan), a PCI function's bind, unbind, change or
// move is forgotten alone; anything else (an add, a remove, another
// subsystem, lost events) makes the next scan read everything whole.
func (r *Registry) DeviceEvent(ev uevent.Event) {
	r.forgetListings()
	r.absent.Forget()
	switch {
	case !ev.Rescan():
	case ev.Subsystem == "pci" && ev.Action != "add" && ev.Action != "remove":
		for _, c := range r.collectors {
			if f, ok := c.(DeviceForgetter); ok {
				f.ForgetDevice(ev.Subsystem, ev.Name())
			}
		}
	default:
		r.Invalidate()
	}
}

// keepOpen is the Keeper of env's root where its files are the kernel's
// (the live machine) or heard (a tree the kernel's events describe); nil,
// and none kept, elsewhere: a captured tree's files may be replaced.
func (r *Registry) keepOpen(env Env) *sysfsattr.Keeper {
	r.keepMu.Lock()
	defer r.keepMu.Unlock()
	want := env.Live() || env.heard
	if r.keeper != nil && (!want || r.keptRoot != env.root()) {
		r.keeper.Close()
		r.keeper = nil
		r.unconfine()
	}
	if want && r.keeper == nil {
		r.keeper, r.keptRoot = sysfsattr.KeepOpen(env.root()), env.root()
		r.unconfine = env.confine()
	}
	if r.keeper != nil {
		r.keeper.KeepLists(env.heard)
	}
	return r.keeper
}

// forgetListings drops the folders' listings kept between heard scans.
func (r *Registry) forgetListings() {
	r.keepMu.Lock()
	defer r.keepMu.Unlock()
	if r.keeper != nil {
		r.keeper.ForgetLists()
	}
}

// hint passes Env.Hint on to every collector that takes hints.
func (r *Registry) hint(subsystem, name string) {
	for _, c := range r.collectors {
		if h, ok := c.(Hinter); ok {
			h.Hint(subsystem, name)
		}
	}
}

// Invalidate tells every collector that keeps an inventory that the
// machine changed (a device event).
func (r *Registry) Invalidate() {
	r.tables.Forget()
	r.cpus.Forget()
	r.absent.Forget()
	r.forgetListings()
	for _, c := range r.collectors {
		if i, ok := c.(Invalidator); ok {
			i.Invalidate()
		}
	}
}

// Watchers returns the registered collectors that listen between scans.
func (r *Registry) Watchers() []Watcher {
	var out []Watcher
	for _, c := range r.collectors {
		if w, ok := c.(Watcher); ok {
			out = append(out, w)
		}
	}
	return out
}

// Result is what one collector returned.
type Result struct {
	Status   topology.CollectorStatus
	Fragment *topology.Fragment
}

// Run runs every collector concurrently, each under ctx. A collector that
// has not returned when ctx is done is recorded as timed out and its
// fragment dropped; its goroutine is left to finish on its own (a read
// blocked in the kernel cannot be interrupted), so callers should give ctx
// a deadline. A panicking collector is recorded as failed.
func (r *Registry) Run(ctx context.Context, env Env) []Result {
	results := make([]Result, len(r.collectors))
	if env.memo == nil {
		env.memo = newScanMemo(r.tables)
	}
	if env.heard = r.heard.Load(); env.heard {
		env.memo.keptCPUs = r.cpus
	}
	env.hint = r.hint
	if k := r.keepOpen(env); k != nil {
		defer k.Sweep() // what this scan did not read again is closed
	}
	// Held over the scan, so that the collectors' own confinements of
	// the root (each until its Collect returns) open it once.
	defer env.confine()()
	if !env.heard {
		// Events missed while not heard may have brought a source.
		r.absent.Forget()
	}
	forgets := r.absent.Forgets()
	// All run at once, each in its own goroutine; their answers are
	// then taken in order, each within the scan's deadline.
	calls := make([]*call, len(r.collectors))
	for i, c := range r.collectors {
		if st, ok := r.absent.Get(c.Name()); ok {
			results[i] = Result{Status: st}
			continue
		}
		if since, stuck := r.stillRunning(c.Name()); stuck {
			results[i] = Result{Status: topology.CollectorStatus{Name: c.Name(), State: "timeout",
				Error: fmt.Sprintf("its call of %s has not returned (blocked in the kernel or a driver); not called again until it does",
					since.UTC().Format(time.RFC3339))}}
			continue
		}
		calls[i] = r.start(ctx, c, env)
	}
	var grace graceTimer
	defer grace.stop()
	for i, cl := range calls {
		if cl == nil {
			continue
		}
		var stuck bool
		results[i], stuck = cl.result(ctx, &grace, env)
		if env.heard && results[i].Status.State == "absent" {
			// Not kept where a device event came while it was read: the
			// event may have brought the source.
			r.absent.PutUnlessForgotten(forgets, cl.name, results[i].Status)
		}
		if stuck {
			r.mu.Lock()
			if r.stuck == nil {
				r.stuck = map[string]*call{}
			}
			r.stuck[cl.name] = cl
			r.mu.Unlock()
		}
	}
	return results
}

// stillRunning reports whether the collector's call from an earlier scan
// has not returned, and since when.
func (r *Registry) stillRunning(name string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cl, ok := r.stuck[name]
	if !ok {
		return time.Time{}, false
	}
	select {
	case <-cl.done:
		delete(r.stuck, name)
		return time.Time{}, false
	default:
		return cl.since, true
	}
}

// stuckGrace is how long after the deadline a collector may take to
// return before it counts as blocked.
const stuckGrace = 20 * time.Millisecond

// graceTimer is the end of stuckGrace after a scan's deadline, started
// by the first answer that waits for it: every collector late at the
// deadline is given the same grace.
type graceTimer struct {
	t    *time.Timer
	over chan struct{}
}

func (g *graceTimer) wait() <-chan struct{} {
	if g.t == nil {
		over := make(chan struct{})
		g.over, g.t = over, time.AfterFunc(stuckGrace, func() { close(over) })
	}
	return g.over
}

func (g *graceTimer) stop() {
	if g.t != nil {
		g.t.Stop()
	}
}

// outcome is what one Collect returned, and how long it took.
type outcome struct {
	frag *topology.Fragment
	err  error
	took time.Duration
}

// start has c's worker call c.Collect under ctx; the call's result takes
// its answer.
func (r *Registry) start(ctx context.Context, c Collector, env Env) *call {
	cl := &call{name: c.Name(), since: time.Now(), done: make(chan struct{}), answer: make(chan outcome, 1), ctx: ctx, env: env}
	r.mu.Lock()
	if r.workers == nil {
		r.workers = &workers{calls: map[string]chan *call{}}
		// The workers end with the registry: none refers to it.
		runtime.AddCleanup(r, (*workers).stop, r.workers)
	}
	w, ok := r.workers.calls[cl.name]
	if !ok {
		w = make(chan *call, 1)
		r.workers.calls[cl.name] = w
		go work(c, w)
	}
	r.mu.Unlock()
	select {
	case w <- cl:
	default:
		// The worker is still busy with a call of another scan run
		// beside this one: this call does not wait for it.
		go cl.run(c)
	}
	return cl
}

// workers holds the call channel of each collector's worker, by name.
type workers struct {
	calls map[string]chan *call
}

func (ws *workers) stop() {
	for _, w := range ws.calls {
		close(w)
	}
}

// work runs c's calls one at a time, until calls is closed.
func work(c Collector, calls <-chan *call) {
	for cl := range calls {
		cl.run(c)
	}
}

// run calls c.Collect and sends its answer; a panic is the answer's error.
func (cl *call) run(c Collector) {
	defer close(cl.done)
	// Confined until Collect returns, also when that is after the
	// scan's deadline.
	defer cl.env.confine()()
	defer func() {
		if p := recover(); p != nil {
			cl.answer <- outcome{err: fmt.Errorf("panic: %v\n%s", p, debug.Stack()), took: time.Since(cl.since)}
		}
	}()
	f, err := c.Collect(cl.ctx, cl.env)
	cl.answer <- outcome{f, err, time.Since(cl.since)}
}

// result waits for the call's answer until ctx is done. A call that has
// not returned then is a timeout, and stuck (still running, for the
// registry to keep track of) when it does not return within the grace.
func (cl *call) result(ctx context.Context, grace *graceTimer, env Env) (res Result, stuck bool) {
	select {
	case o := <-cl.answer:
		return cl.answered(o, env), false
	case <-ctx.Done():
	}
	// The answer may be here too, come while the calls before it were
	// waited for: taken, it costs no wait.
	select {
	case o := <-cl.answer:
		return cl.answered(o, env), false
	default:
	}
	st := topology.CollectorStatus{Name: cl.name, State: "timeout", DurationSeconds: time.Since(cl.since).Seconds(),
		Error: fmt.Sprintf("no answer within the deadline: %v", ctx.Err())}
	// A collector that watches ctx returns right after it; only one that
	// does not is blocked.
	select {
	case <-cl.done:
		return Result{Status: st}, false
	case <-grace.wait():
		return Result{Status: st}, true
	}
}

// answered is the result of the call's answer o.
func (cl *call) answered(o outcome, env Env) Result {
	st := topology.CollectorStatus{Name: cl.name, DurationSeconds: o.took.Seconds()}
	switch {
	case errors.Is(o.err, ErrAbsent):
		st.State = "absent"
		o.frag = nil
	case o.err != nil:
		st.State = "error"
		st.Error = o.err.Error()
	default:
		st.State = "ok"
	}
	if o.frag != nil {
		st.Problems = o.frag.Problems
	}
	relativeTo(env, &st, o.frag)
	return Result{Status: st, Fragment: o.frag}
}

// relativeTo rewrites the paths in what a collector said of a captured
// tree relative to its root ("sys/bus/pci/devices/0000:05:00.0/vendor:
// missing"): where the capture lies on the reader's disk says nothing of
// the machine, and would make two reads of one capture differ.
func relativeTo(env Env, st *topology.CollectorStatus, f *topology.Fragment) {
	if env.Live() {
		return
	}
	var prefixes []string
	rel := func(s string) string {
		if s == "" {
			return s
		}
		if prefixes == nil {
			// Resolving the root's links costs a system call a folder:
			// only for a message to rewrite.
			prefixes = env.rootPrefixes()
		}
		for _, p := range prefixes {
			s = strings.ReplaceAll(s, p, "")
		}
		return s
	}
	st.Error = rel(st.Error)
	for i := range st.Problems {
		st.Problems[i] = rel(st.Problems[i])
	}
	if f == nil {
		return
	}
	for _, c := range f.Components {
		for i := range c.Health.Reasons {
			c.Health.Reasons[i] = rel(c.Health.Reasons[i])
		}
	}
	for _, l := range f.Links {
		for i := range l.Health.Reasons {
			l.Health.Reasons[i] = rel(l.Health.Reasons[i])
		}
	}
}

// Scan runs the collectors and builds the graph, judging link health against
// prev (the last graph, or nil). A failed collector's partial fragment is
// still merged: what it could read is kept.
func (r *Registry) Scan(ctx context.Context, env Env, prev *topology.Graph) *topology.Graph {
	results := r.Run(ctx, env)
	frags := make([]*topology.Fragment, 0, len(results))
	statuses := make([]topology.CollectorStatus, 0, len(results))
	for _, res := range results {
		frags = append(frags, res.Fragment)
		statuses = append(statuses, res.Status)
	}
	g := topology.Build(frags...)
	g.Collectors = statuses
	g.Time = time.Now().UTC()
	r.Rules.Judge(g, prev)
	return g
}
