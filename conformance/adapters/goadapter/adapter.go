package goadapter

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// callTimeout bounds one call beyond the wait it was asked for, so that a hung lock
// service makes the adapter answer instead of blocking the runner forever.
const callTimeout = 30 * time.Second

// ClientOptions are a NewClientRequest's options; zero values keep the SDK's defaults.
type ClientOptions struct {
	CallTimeout time.Duration
	// Token is the bearer token the client presents; empty, none.
	Token string
}

// OpenFunc opens one named client's Lessor.
type OpenFunc func(url string, o ClientOptions) (driver.Lessor, error)

// Adapter serves the protocol over Lessors, one per named client.
type Adapter struct {
	target string
	caps   []string
	out    *protocol.Writer
	open   OpenFunc

	mu       sync.Mutex
	clients  map[string]driver.Lessor
	locks    map[string]*lockState
	watches  []watchState
	sessions map[string]*sessionState
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
// and opening each client's Lessor with open (nil opens it with [driver.Open], which has
// no options).
func New(target string, caps []string, out *protocol.Writer, open OpenFunc) *Adapter {
	if open == nil {
		open = func(url string, _ ClientOptions) (driver.Lessor, error) { return driver.Open(url) }
	}
	return &Adapter{target: target, caps: caps, out: out, open: open, clients: map[string]driver.Lessor{}, locks: map[string]*lockState{},
		sessions: map[string]*sessionState{}}
}

// Handle answers one request.
func (a *Adapter) Handle(req *pb.AdapterRequest) *pb.Reply {
	switch op := req.GetOp().(type) {
	case *pb.AdapterRequest_Hello:
		return &pb.Reply{Result: &pb.Reply_Hello{Hello: &pb.HelloResult{Target: a.target, Capabilities: a.caps}}}
	case *pb.AdapterRequest_NewClient:
		nc := op.NewClient
		_, err := a.client(nc.GetClient(), nc.GetUrl(), ClientOptions{CallTimeout: nc.GetCallTimeout().AsDuration(), Token: nc.GetToken()})
		return fail(err)
	case *pb.AdapterRequest_Acquire:
		if op.Acquire.GetSession() != "" {
			return a.sessionAcquire(op.Acquire)
		}
		return a.acquire(op.Acquire)
	case *pb.AdapterRequest_Extend:
		return a.extend(op.Extend)
	case *pb.AdapterRequest_Release:
		return a.release(op.Release)
	case *pb.AdapterRequest_Info:
		return a.info(op.Info)
	case *pb.AdapterRequest_Read:
		return a.read(op.Read)
	case *pb.AdapterRequest_SetRenewalPaused:
		l, rep := a.lockOf(op.SetRenewalPaused.GetLock())
		if l == nil {
			return rep
		}
		l.lessor.paused.Store(op.SetRenewalPaused.GetPaused())
		return &pb.Reply{}
	case *pb.AdapterRequest_Hold:
		return a.hold(op.Hold)
	case *pb.AdapterRequest_Watch:
		return a.watch(op.Watch)
	case *pb.AdapterRequest_Session:
		return a.openSession(op.Session)
	case *pb.AdapterRequest_CloseSession:
		return a.closeSession(op.CloseSession)
	case *pb.AdapterRequest_Reset_:
		return a.reset()
	}
	return &pb.Reply{Error: &pb.Error{Code: protocol.CodeUnknown, Message: "unknown op"}}
}

func (a *Adapter) client(name, url string, o ClientOptions) (driver.Lessor, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l, ok := a.clients[name]; ok {
		return l, nil
	}
	l, err := a.open(url, o)
	if err != nil {
		return nil, err
	}
	a.clients[name] = l
	return l, nil
}

func (a *Adapter) lockOf(name string) (*lockState, *pb.Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.locks[name]
	if !ok {
		return nil, &pb.Reply{Error: &pb.Error{Code: protocol.CodeUnknown, Message: "adapter: no lock named " + name}}
	}
	return l, nil
}

// resource is a request's resource name: its raw bytes when given, else its text.
func resource(m interface {
	GetResource() string
	GetResourceRaw() []byte
}) string {
	if raw := m.GetResourceRaw(); raw != nil {
		return string(raw)
	}
	return m.GetResource()
}

func (a *Adapter) acquire(req *pb.AcquireRequest) *pb.Reply {
	// An absent wait is the Go default of core.Client.TryLock: until the context ends.
	o := driver.LeaseOptions{TTL: core.DefaultTTL, Owner: req.GetOwner(), Data: req.GetData(), Wait: -1}
	if req.GetTtl() != nil {
		o.TTL = req.GetTtl().AsDuration()
	}
	if req.GetWait() != nil {
		o.Wait = req.GetWait().AsDuration()
	}
	c, err := a.client(req.GetClient(), req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(o.Wait, 0)+callTimeout)
	defer cancel()
	lease, err := c.Acquire(ctx, resource(req), o)
	if err != nil {
		return fail(err)
	}
	p := &pausable{Lessor: c, lock: req.GetLock(), out: a.out}
	a.keep(req.GetLock(), req.GetClient(), p, lease, core.Hold(p, lease, nil))
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: lease.Fence}}}
}

// keep names a granted lock and reports its loss unless the runner released it.
func (a *Adapter) keep(name, client string, p *pausable, lease driver.Lease, lock core.Lock) {
	l := &lockState{client: client, lessor: p, lease: lease, lock: lock, watched: make(chan struct{})}
	a.mu.Lock()
	a.locks[name] = l
	a.mu.Unlock()
	go func() {
		defer close(l.watched)
		<-l.lock.Lost
		if !l.released.Load() {
			send(a.out, &pb.Event{Lock: name, Kind: &pb.Event_Lost{Lost: &pb.LostEvent{Reason: toError(l.lock.Err())}}})
		}
	}()
}

func (a *Adapter) extend(req *pb.ExtendRequest) *pb.Reply {
	l, rep := a.lockOf(req.GetLock())
	if l == nil {
		return rep
	}
	ttl := l.lease.TTL
	if req.GetTtl() != nil {
		ttl = req.GetTtl().AsDuration()
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	next, err := l.lessor.Lessor.Extend(ctx, l.lease, ttl)
	if err != nil {
		return fail(err)
	}
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: next.Fence}}}
}

// release calls the lock's Release: Go has no scoped block, so a scoped lock is released
// the same way (raise_in_block is n/a: Go lacks the scope capability).
func (a *Adapter) release(req *pb.ReleaseRequest) *pb.Reply {
	l, rep := a.lockOf(req.GetLock())
	if l == nil {
		return rep
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	l.released.Store(true)
	return fail(l.lock.Release(ctx))
}

func (a *Adapter) info(req *pb.InfoRequest) *pb.Reply {
	c, err := a.client(req.GetClient(), req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	in, err := c.Info(ctx, resource(req))
	if err != nil {
		return fail(err)
	}
	return &pb.Reply{Result: &pb.Reply_Info{Info: &pb.InfoResult{Owner: in.Owner, FencingToken: in.FencingToken,
		LockTime: timestamp(in.LockTime), ExpireTime: timestamp(in.ExpireTime)}}}
}

func (a *Adapter) read(req *pb.ReadRequest) *pb.Reply {
	c, err := a.client(req.GetClient(), req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	b, err := c.Read(ctx, resource(req))
	if err != nil {
		return fail(err)
	}
	return &pb.Reply{Result: &pb.Reply_Read{Read: &pb.ReadResult{Data: b}}}
}

// reset ends every watch, releases what is still held (errors are expected: a case may
// leave a lock lost), closes every session and every client, waiting for every lost
// watcher so no goroutine survives.
func (a *Adapter) reset() *pb.Reply {
	a.mu.Lock()
	locks, clients, watches, sessions := a.locks, a.clients, a.watches, a.sessions
	a.locks, a.clients, a.watches = map[string]*lockState{}, map[string]driver.Lessor{}, nil
	a.sessions = map[string]*sessionState{}
	a.mu.Unlock()
	for _, w := range watches {
		w.cancel()
		<-w.done
	}
	for _, l := range locks {
		l.released.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = l.lock.Release(ctx)
		cancel()
		<-l.watched
	}
	closeSessions(sessions)
	var errs []error
	for _, c := range clients {
		errs = append(errs, c.Close())
	}
	return fail(errors.Join(errs...))
}
