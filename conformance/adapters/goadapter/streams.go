package goadapter

import (
	"context"
	"iter"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// holder is a client that can hold a lock over the service's Hold stream: the Go SDK's.
type holder interface {
	Hold(ctx context.Context, resource string, o driver.LeaseOptions, opts ...distlock.HoldOption) (*distlock.Held, error)
}

// streamWatcher is a client whose Watch is a stream of events: the Go SDK's.
type streamWatcher interface {
	Watch(ctx context.Context, sel driver.Selector) iter.Seq2[driver.WatchEvent, error]
}

// hold takes a lock over a Hold stream; the lock is then kept like an acquired one,
// with the Held's Lost, Err and Release in place of core.Hold's.
func (a *Adapter) hold(req *pb.HoldRequest) *pb.Reply {
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
	h, ok := c.(holder)
	if !ok {
		return &pb.Reply{Error: &pb.Error{Code: protocol.CodeUnknown, Message: "adapter: this target has no Hold"}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(o.Wait, 0)+callTimeout)
	defer cancel()
	held, err := h.Hold(ctx, req.GetResource(), o, distlock.OnWaiting(func(w distlock.Holder) {
		send(a.out, &pb.Event{Lock: req.GetLock(), Kind: &pb.Event_Waiting{Waiting: &pb.WaitingEvent{
			Owner: w.Owner, FencingToken: w.FencingToken}}})
	}))
	if err != nil {
		return fail(err)
	}
	lease := driver.Lease{Resource: held.Resource, Token: held.LeaseToken, Fence: held.FencingToken, TTL: o.TTL}
	a.keep(req.GetLock(), req.GetClient(), &pausable{Lessor: c, lock: req.GetLock(), out: a.out}, lease,
		core.Lock{Lost: held.Lost, Release: held.Release, Err: held.Err, Resource: held.Resource,
			FencingToken: held.FencingToken, LeaseToken: held.LeaseToken, Owner: held.Owner})
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: held.FencingToken}}}
}

// watch follows a selector until reset, sending each event to the runner: through the
// SDK's Watch stream, or a core backend's feed.
func (a *Adapter) watch(req *pb.WatchRequest) *pb.Reply {
	c, err := a.client(req.GetClient(), req.GetUrl(), ClientOptions{})
	if err != nil {
		return fail(err)
	}
	sel := driver.Selector{Name: req.GetResource(), Prefix: req.GetPrefix()}
	var events iter.Seq2[driver.WatchEvent, error]
	ctx, cancel := context.WithCancel(context.Background())
	switch w := c.(type) {
	case streamWatcher:
		events = w.Watch(ctx, sel)
	case driver.Watcher:
		events = feedEvents(ctx, w, sel)
	default:
		cancel()
		return &pb.Reply{Error: &pb.Error{Code: protocol.CodeUnknown, Message: "adapter: this target cannot watch"}}
	}
	done := make(chan struct{})
	a.mu.Lock()
	a.watches = append(a.watches, watchState{cancel: cancel, done: done})
	a.mu.Unlock()
	go func() {
		defer close(done)
		for ev, err := range events {
			if ctx.Err() != nil {
				return // reset: the runner no longer listens
			}
			send(a.out, &pb.Event{Lock: req.GetWatch(), Kind: &pb.Event_Watch{Watch: watchEventOf(ev, err)}})
		}
	}()
	return &pb.Reply{}
}

// watchState is one running watch, ended by reset.
type watchState struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// feedEvents is a core backend's feed as the SDK's sequence: events, then one error.
func feedEvents(ctx context.Context, w driver.Watcher, sel driver.Selector) iter.Seq2[driver.WatchEvent, error] {
	return func(yield func(driver.WatchEvent, error) bool) {
		// The service's buffer, so that the core watches as the service does.
		feed, err := w.Watch(ctx, sel, connectsvc.DefaultWatchBuffer)
		if err != nil {
			yield(driver.WatchEvent{}, err)
			return
		}
		defer feed.Close()
		for {
			ev, err := feed.Next(ctx)
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

func watchEventOf(ev driver.WatchEvent, err error) *pb.WatchEvent {
	if err != nil {
		return &pb.WatchEvent{Kind: "ended", Error: toError(err)}
	}
	return &pb.WatchEvent{Kind: ev.Kind.String(), Resource: ev.Resource,
		Holder: watchHolder(ev.Holder), Previous: watchHolder(ev.Previous)}
}

func watchHolder(in driver.Info) *pb.WatchHolder {
	if in.FencingToken == 0 {
		return nil
	}
	return &pb.WatchHolder{Owner: in.Owner, FencingToken: in.FencingToken}
}
