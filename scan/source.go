package scan

import (
	"context"
	"errors"
	"log/slog"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/topology"
	"github.com/hwgraph/hwgraph/uevent"
)

// Source makes the graphs an Engine judges, records and publishes: one
// machine's collectors (Machine), or a fleet's agents (cluster.Fleet).
type Source interface {
	// Make makes one graph under ctx's deadline. prev is the graph the
	// engine published last (nil at first), which a machine's scan is
	// judged against. An error leaves the last graph published.
	Make(ctx context.Context, prev *topology.Graph) (*topology.Graph, error)
}

// Starter is a Source that listens between scans until ctx is done
// (Machine: the kernel's device events, NVML's Xids); kick asks the
// engine for a scan now.
type Starter interface {
	Start(ctx context.Context, kick func(), logger *slog.Logger)
}

// Judged is a Source whose graphs were judged where they were made (a
// fleet's, by its agents, whose events they carry): the engine publishes
// them as they are, compared with nothing.
type Judged interface {
	Judged()
}

// Machine is one machine as a Source: its collectors (Registry) reading
// Env.
type Machine struct {
	Registry *collectors.Registry
	Env      collectors.Env
	// DeviceEvents says whether Start listens to the kernel's device
	// events; DeviceEventsAuto (the zero value) does on the live machine.
	DeviceEvents DeviceEvents
}

// Make implements Source: one scan of the registry, judged against prev.
func (m *Machine) Make(ctx context.Context, prev *topology.Graph) (*topology.Graph, error) {
	return m.Registry.Scan(ctx, m.Env, prev), nil
}

// Start implements Starter: the kernel's device events (a device added,
// removed or changed kicks a scan) and, on the live machine, the
// collectors' watchers (NVML's Xid events).
func (m *Machine) Start(ctx context.Context, kick func(), logger *slog.Logger) {
	listen := m.DeviceEvents == DeviceEventsOn || m.DeviceEvents == DeviceEventsAuto && m.Env.Live()
	if listen {
		go m.listen(ctx, kick, logger)
	} else {
		logger.Info("not listening to device events (a captured tree, or turned off): every scan reads in full what changes only with one")
	}
	if !m.Env.Live() {
		return
	}
	for _, w := range m.Registry.Watchers() {
		go func() {
			err := w.Watch(ctx, m.Env)
			if err != nil && ctx.Err() == nil && !errors.Is(err, collectors.ErrAbsent) {
				logger.Warn("watch stopped", "collector", w.Name(), "err", err)
			}
		}()
	}
}

// listen hears the kernel's device events until ctx is done: each that
// calls for a scan is given to the registry, which forgets what it
// changed, and kicks one. While it hears them, the registry's scans
// trust what changes only with one.
func (m *Machine) listen(ctx context.Context, kick func(), logger *slog.Logger) {
	err := uevent.Listen(ctx, m.hearing, func(ev uevent.Event) { m.deviceEvent(ev, kick) })
	m.Registry.SetHeard(false)
	if err != nil && ctx.Err() == nil {
		logger.Warn("not listening to device events: scanning on the interval only, every scan reading in full", "err", err)
	}
}

// hearing is called once device events reach the machine.
func (m *Machine) hearing() {
	// What changed before the socket was bound came with no event heard:
	// the next scan reads everything whole.
	m.Registry.Invalidate()
	m.Registry.SetHeard(true)
}

// deviceEvent gives one device event to the registry, which forgets what
// it changed, and kicks a scan for one that calls for it.
func (m *Machine) deviceEvent(ev uevent.Event, kick func()) {
	m.Registry.DeviceEvent(ev)
	if ev.Rescan() {
		kick()
	}
}
