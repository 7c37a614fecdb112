package goadapter

import (
	"context"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// sessionState is one session the adapter keeps for the runner: core.Session over the
// client's Lessor (the Go SDK's renews in one Batch; Redlock's with concurrent Extends),
// and the names of the locks taken in it.
type sessionState struct {
	client  string
	session *core.Session
	ttl     time.Duration
	locks   []string
}

// openSession starts a core.Session over the named client's Lessor. core.OpenClient is
// only a handle on that Lessor here: it is never closed (reset closes the Lessor), so
// the sessions of one client share its connections, as a user's would.
func (a *Adapter) openSession(req *pb.SessionRequest) *pb.Reply {
	c, err := a.client(req.GetClient(), req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	s, err := core.OpenClient(req.GetClient(), c).NewSession(req.GetClient(), core.TTL(req.GetTtl().AsDuration()))
	if err != nil {
		return fail(err)
	}
	a.mu.Lock()
	a.sessions[req.GetSession()] = &sessionState{client: req.GetClient(), session: s, ttl: req.GetTtl().AsDuration()}
	a.mu.Unlock()
	return &pb.Reply{}
}

func (a *Adapter) sessionOf(name string) (*sessionState, *pb.Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[name]
	if !ok {
		return nil, &pb.Reply{Error: &pb.Error{Code: protocol.CodeUnknown, Message: "adapter: no session named " + name}}
	}
	return s, nil
}

// sessionAcquire takes a lock in a session, which renews it from then on.
func (a *Adapter) sessionAcquire(req *pb.AcquireRequest) *pb.Reply {
	s, rep := a.sessionOf(req.GetSession())
	if s == nil {
		return rep
	}
	c, err := a.client(s.client, req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	lock, err := s.session.TryLock(ctx, resource(req), core.Owner(req.GetOwner()), core.Data(req.GetData()))
	if err != nil {
		return fail(err)
	}
	lease := driver.Lease{Resource: lock.Resource, Token: lock.LeaseToken, Fence: lock.FencingToken, TTL: s.ttl}
	a.keep(req.GetLock(), s.client, &pausable{Lessor: c, lock: req.GetLock(), out: a.out}, lease, lock)
	a.mu.Lock()
	s.locks = append(s.locks, req.GetLock())
	a.mu.Unlock()
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: lock.FencingToken}}}
}

// closeSession closes a session; the locks it releases are the runner's doing, so their
// end is not reported as a loss.
func (a *Adapter) closeSession(req *pb.CloseSessionRequest) *pb.Reply {
	s, rep := a.sessionOf(req.GetSession())
	if s == nil {
		return rep
	}
	a.mu.Lock()
	for _, name := range s.locks {
		if l, ok := a.locks[name]; ok {
			l.released.Store(true)
		}
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return fail(s.session.Close(ctx))
}

// closeSessions ends every session at reset (their locks were released already).
func closeSessions(sessions map[string]*sessionState) {
	for _, s := range sessions {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.session.Close(ctx)
		cancel()
	}
}
