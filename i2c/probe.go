package i2c

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pi2c "periph.io/x/conn/v3/i2c"
)

// Target is one allow-listed read: Len bytes from the device at Addr on
// bus Bus, as a plain read (no register pointer is written first, so the
// device's state cannot change).
type Target struct {
	Bus  int
	Addr uint16
	Len  int
}

// ParseTargets parses an allow-list: "BUS:ADDR[:LEN]" entries, comma
// separated, such as "0:0x18:2,3:0x50" (LEN defaults to 1). Addresses
// must be 7-bit and outside the reserved ranges 0x00–0x07 and 0x78–0x7f.
func ParseTargets(s string) ([]Target, error) {
	var out []Target
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		parts := strings.Split(f, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("i2c target %q: want BUS:ADDR[:LEN]", f)
		}
		bus, err := strconv.Atoi(parts[0])
		if err != nil || bus < 0 {
			return nil, fmt.Errorf("i2c target %q: bad bus", f)
		}
		addr, err := strconv.ParseUint(parts[1], 0, 16)
		if err != nil || addr < 0x08 || addr > 0x77 {
			return nil, fmt.Errorf("i2c target %q: address must be 0x08-0x77", f)
		}
		n := 1
		if len(parts) == 3 {
			if n, err = strconv.Atoi(parts[2]); err != nil || n < 1 || n > 32 {
				return nil, fmt.Errorf("i2c target %q: length must be 1-32", f)
			}
		}
		out = append(out, Target{Bus: bus, Addr: uint16(addr), Len: n})
	}
	return out, nil
}

// Opener opens bus N; the default is periph's Linux /dev/i2c-N driver.
type Opener func(bus int) (pi2c.BusCloser, error)

// BusState is what the probes saw on one bus.
type BusState struct {
	Bus      int
	Reads    uint64 // transfers that completed
	Timeouts uint64 // transfers that timed out or lost arbitration
	NACKs    uint64 // transfers no device acknowledged
	// Locked is set when the last transfer timed out: the bus (a slave
	// holding SDA low, a dead controller) no longer moves.
	Locked  bool
	LastErr string
	// Hung is set while a transfer has not returned at all; the bus is
	// not touched again until it does.
	Hung bool
	// Absent lists the targets that did not acknowledge (address "0x50").
	Absent []string
}

// Prober reads allow-listed targets, each transfer under a deadline, and
// keeps the state of every bus it touched. Safe for concurrent use.
type Prober struct {
	Open    Opener
	Targets []Target
	// Timeout bounds one transfer; the kernel's own adapter timeout is
	// often seconds.
	Timeout time.Duration

	mu    sync.Mutex
	state map[int]*BusState
	hung  map[int]bool
}

// Round probes every target once. A bus whose transfer hangs is given up
// after Timeout and skipped until the transfer returns; Round itself
// returns within about Timeout per bus, or when ctx is done.
func (p *Prober) Round(ctx context.Context) {
	byBus := map[int][]Target{}
	var order []int
	for _, t := range p.Targets {
		if _, ok := byBus[t.Bus]; !ok {
			order = append(order, t.Bus)
		}
		byBus[t.Bus] = append(byBus[t.Bus], t)
	}
	var wg sync.WaitGroup
	for _, bus := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.probeBus(ctx, bus, byBus[bus])
		}()
	}
	wg.Wait()
}

func (p *Prober) probeBus(ctx context.Context, bus int, targets []Target) {
	st := p.bus(bus)
	if st == nil {
		return // still hung from an earlier round
	}
	b, err := p.Open(bus)
	if err != nil {
		p.update(bus, func(s *BusState) { s.LastErr = fmt.Sprintf("open: %v", err) })
		return
	}
	var absent []string
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		err, done := p.transfer(ctx, bus, b, t)
		if !done {
			// The goroutine owns the bus now; it closes it on return.
			return
		}
		p.update(bus, func(s *BusState) { record(s, err) })
		if Classify(err) == ErrNoAck {
			absent = append(absent, fmt.Sprintf("%#02x", t.Addr))
		}
	}
	b.Close()
	p.update(bus, func(s *BusState) { s.Absent = absent })
}

// transfer runs one read; done is false when it did not return in time.
func (p *Prober) transfer(ctx context.Context, bus int, b pi2c.BusCloser, t Target) (err error, done bool) {
	res := make(chan error, 1)
	go func() {
		buf := make([]byte, t.Len)
		res <- b.Tx(t.Addr, nil, buf)
	}()
	timer := time.NewTimer(p.timeout())
	defer timer.Stop()
	select {
	case err := <-res:
		return err, true
	case <-timer.C:
		p.update(bus, func(s *BusState) {
			s.Timeouts++
			s.Locked, s.Hung = true, true
			s.LastErr = fmt.Sprintf("read of %#02x did not return in %v", t.Addr, p.timeout())
		})
	case <-ctx.Done():
		// The scan's deadline, not the bus's: leave the verdict to the
		// transfer's own timeout next round.
		p.update(bus, func(s *BusState) { s.Hung = true })
	}
	p.mu.Lock()
	p.hung[bus] = true
	p.mu.Unlock()
	go func() {
		<-res
		b.Close()
		p.mu.Lock()
		delete(p.hung, bus)
		p.state[bus].Hung = false
		p.mu.Unlock()
	}()
	return nil, false
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return 500 * time.Millisecond
}

// bus returns the bus's state, or nil while a transfer on it is hung.
func (p *Prober) bus(n int) *BusState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == nil {
		p.state, p.hung = map[int]*BusState{}, map[int]bool{}
	}
	if p.hung[n] {
		return nil
	}
	if p.state[n] == nil {
		p.state[n] = &BusState{Bus: n}
	}
	return p.state[n]
}

func (p *Prober) update(n int, fn func(*BusState)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.state[n])
}

// States returns a copy of every bus's state.
func (p *Prober) States() map[int]BusState {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[int]BusState, len(p.state))
	for n, s := range p.state {
		c := *s
		c.Absent = append([]string(nil), s.Absent...)
		out[n] = c
	}
	return out
}

func record(s *BusState, err error) {
	switch Classify(err) {
	case nil:
		s.Reads++
		s.Locked = false
		s.LastErr = ""
	case ErrTimeout:
		s.Timeouts++
		s.Locked = true
		s.LastErr = err.Error()
	case ErrNoAck:
		// A missing device: the bus itself moved.
		s.NACKs++
		s.Locked = false
		s.LastErr = err.Error()
	default:
		s.LastErr = err.Error()
	}
}

// Errors Classify sorts transfer failures into.
var (
	// ErrTimeout: the transfer timed out or lost arbitration — the bus is
	// stuck (ETIMEDOUT, EAGAIN from the adapter).
	ErrTimeout = errors.New("i2c bus timed out")
	// ErrNoAck: no device answered at the address (EREMOTEIO, ENXIO).
	ErrNoAck = errors.New("i2c device did not acknowledge")
	// ErrOther: anything else (EIO, EOPNOTSUPP…).
	ErrOther = errors.New("i2c transfer failed")
)

// Classify maps a transfer error to ErrTimeout, ErrNoAck or ErrOther (nil
// for nil). periph's Linux driver formats the errno into its message, so
// the errno's text is matched as well as the errno itself.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EAGAIN):
		return ErrTimeout
	}
	for _, e := range noAck {
		if errors.Is(err, e) {
			return ErrNoAck
		}
	}
	msg := err.Error()
	for _, e := range []syscall.Errno{syscall.ETIMEDOUT, syscall.EAGAIN} {
		if strings.Contains(msg, e.Error()) {
			return ErrTimeout
		}
	}
	for _, e := range noAck {
		if strings.Contains(msg, e.Error()) {
			return ErrNoAck
		}
	}
	return ErrOther
}
