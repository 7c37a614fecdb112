package goadapter

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// callTimeout bounds one call beyond the wait it was asked for, so that a hung lock
// service makes the adapter answer instead of blocking the runner forever.
const callTimeout = 30 * time.Second

// Adapter serves the protocol over Lessors, one per named client.
type Adapter struct {
	target string
	caps   []string
	out    *Writer
	open   func(url string) (driver.Lessor, error)

	mu      sync.Mutex
	clients map[string]driver.Lessor
	locks   map[string]*lockState
}

// lockState is one lock the adapter holds for the runner.
type lockState struct {
	client   string
	lessor   *pausable
	lease    driver.Lease
	lock     core.Lock
	released atomic.Bool   // set before the runner's release, so Lost is not reported as loss
	watched  chan struct{} // closed when the lost watcher has ended
}

// New returns an adapter named target with the given capabilities, sending events to out
// and opening each client's Lessor with open (nil means [driver.Open]).
func New(target string, caps []string, out *Writer, open func(url string) (driver.Lessor, error)) *Adapter {
	if open == nil {
		open = driver.Open
	}
	return &Adapter{target: target, caps: caps, out: out, open: open, clients: map[string]driver.Lessor{}, locks: map[string]*lockState{}}
}

// Handle answers one command.
func (a *Adapter) Handle(cmd protocol.Command) protocol.Reply {
	switch cmd.Op {
	case protocol.OpHello:
		return protocol.Reply{OK: true, Target: a.target, Caps: a.caps}
	case protocol.OpAcquire:
		return a.acquire(cmd)
	case protocol.OpExtend:
		return a.extend(cmd)
	case protocol.OpRelease:
		return a.release(cmd)
	case protocol.OpInfo:
		return a.info(cmd)
	case protocol.OpRead:
		return a.read(cmd)
	case protocol.OpPauseRenewal, protocol.OpResumeRenewal:
		l, rep := a.lockOf(cmd)
		if l == nil {
			return rep
		}
		l.lessor.paused.Store(cmd.Op == protocol.OpPauseRenewal)
		return protocol.Reply{OK: true}
	case protocol.OpReset:
		return a.reset()
	}
	return protocol.Reply{Code: protocol.CodeUnknown, Message: "unknown op " + cmd.Op}
}

func (a *Adapter) client(name, url string) (driver.Lessor, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l, ok := a.clients[name]; ok {
		return l, nil
	}
	l, err := a.open(url)
	if err != nil {
		return nil, err
	}
	a.clients[name] = l
	return l, nil
}

func (a *Adapter) lockOf(cmd protocol.Command) (*lockState, protocol.Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.locks[cmd.Lock]
	if !ok {
		return nil, protocol.Reply{Code: protocol.CodeUnknown, Message: "adapter: no lock named " + cmd.Lock}
	}
	return l, protocol.Reply{}
}

func resource(cmd protocol.Command) (string, error) {
	if cmd.ResourceB64 == "" {
		return cmd.Resource, nil
	}
	b, err := base64.StdEncoding.DecodeString(cmd.ResourceB64)
	return string(b), err
}

func (a *Adapter) acquire(cmd protocol.Command) protocol.Reply {
	res, err := resource(cmd)
	if err != nil {
		return fail(err)
	}
	data, err := base64.StdEncoding.DecodeString(cmd.Data)
	if err != nil {
		return fail(err)
	}
	o := driver.LeaseOptions{TTL: core.DefaultTTL, Owner: cmd.Owner, Data: data}
	if cmd.TTLMS != nil {
		o.TTL = time.Duration(*cmd.TTLMS) * time.Millisecond
	}
	if cmd.WaitMS != nil {
		o.Wait = time.Duration(*cmd.WaitMS) * time.Millisecond
	}
	c, err := a.client(cmd.Client, cmd.URL)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(o.Wait, 0)+callTimeout)
	defer cancel()
	lease, err := c.Acquire(ctx, res, o)
	if err != nil {
		return fail(err)
	}
	p := &pausable{Lessor: c, lock: cmd.Lock, out: a.out}
	l := &lockState{client: cmd.Client, lessor: p, lease: lease, watched: make(chan struct{})}
	l.lock = core.Hold(p, lease, nil)
	a.mu.Lock()
	a.locks[cmd.Lock] = l
	a.mu.Unlock()
	go func() {
		defer close(l.watched)
		<-l.lock.Lost
		if !l.released.Load() {
			a.out.Send(protocol.Event{Event: protocol.EventLost, Lock: cmd.Lock})
		}
	}()
	return protocol.Reply{OK: true, Fencing: strconv.FormatUint(lease.Fence, 10)}
}

func (a *Adapter) extend(cmd protocol.Command) protocol.Reply {
	l, rep := a.lockOf(cmd)
	if l == nil {
		return rep
	}
	ttl := l.lease.TTL
	if cmd.TTLMS != nil {
		ttl = time.Duration(*cmd.TTLMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	next, err := l.lessor.Lessor.Extend(ctx, l.lease, ttl)
	if err != nil {
		return fail(err)
	}
	return protocol.Reply{OK: true, Fencing: strconv.FormatUint(next.Fence, 10)}
}

func (a *Adapter) release(cmd protocol.Command) protocol.Reply {
	l, rep := a.lockOf(cmd)
	if l == nil {
		return rep
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	l.released.Store(true)
	if err := l.lock.Release(ctx); err != nil {
		return fail(err)
	}
	return protocol.Reply{OK: true}
}

func (a *Adapter) info(cmd protocol.Command) protocol.Reply {
	res, err := resource(cmd)
	if err != nil {
		return fail(err)
	}
	c, err := a.client(cmd.Client, cmd.URL)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	in, err := c.Info(ctx, res)
	if err != nil {
		return fail(err)
	}
	return protocol.Reply{OK: true, Owner: in.Owner, Fencing: strconv.FormatUint(in.FencingToken, 10),
		LockTimeMS: in.LockTime.UnixMilli(), ExpireTimeMS: in.ExpireTime.UnixMilli()}
}

func (a *Adapter) read(cmd protocol.Command) protocol.Reply {
	res, err := resource(cmd)
	if err != nil {
		return fail(err)
	}
	c, err := a.client(cmd.Client, cmd.URL)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	b, err := c.Read(ctx, res)
	if err != nil {
		return fail(err)
	}
	return protocol.Reply{OK: true, Data: base64.StdEncoding.EncodeToString(b)}
}

// reset releases what is still held (errors are expected: a case may leave a lock lost)
// and closes every client, waiting for every lost watcher so no goroutine survives.
func (a *Adapter) reset() protocol.Reply {
	a.mu.Lock()
	locks, clients := a.locks, a.clients
	a.locks, a.clients = map[string]*lockState{}, map[string]driver.Lessor{}
	a.mu.Unlock()
	for _, l := range locks {
		l.released.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = l.lock.Release(ctx)
		cancel()
		<-l.watched
	}
	var errs []error
	for _, c := range clients {
		errs = append(errs, c.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fail(err)
	}
	return protocol.Reply{OK: true}
}

// pausable is the Lessor one lock's renewal goes through: while paused its Extend fails
// as a lock service that cannot be reached would, and each successful renewal is
// reported to the runner.
type pausable struct {
	driver.Lessor
	lock   string
	out    *Writer
	paused atomic.Bool
}

// errPaused is what a paused renewal sees: transient, so core.Hold retries it until the
// lease's validity runs out and then reports the lock lost.
var errPaused = &core.UnavailableError{Failed: map[string]error{"conformance": errors.New("renewal paused by the runner")}, Quorum: 1, Total: 1}

func (p *pausable) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if p.paused.Load() {
		return driver.Lease{}, errPaused
	}
	next, err := p.Lessor.Extend(ctx, lease, ttl)
	if err == nil {
		p.out.Send(protocol.Event{Event: protocol.EventRenewed, Lock: p.lock})
	}
	return next, err
}

// fail maps an error to its protocol code.
func fail(err error) protocol.Reply {
	code := protocol.CodeUnknown
	switch {
	case errors.Is(err, core.ErrAcquireTimeout):
		code = protocol.CodeAborted
	case errors.Is(err, core.ErrNotHeld):
		code = protocol.CodeNotFound
	case errors.Is(err, core.ErrUnavailable):
		code = protocol.CodeUnavailable
	case errors.Is(err, core.ErrInvalidArgument):
		code = protocol.CodeInvalidArgument
	case errors.Is(err, context.DeadlineExceeded):
		code = protocol.CodeDeadlineExceeded
	}
	return protocol.Reply{Code: code, Message: err.Error()}
}
