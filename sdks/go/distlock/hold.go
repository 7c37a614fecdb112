package distlock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// Held is a lock that lives exactly as long as its Hold stream: the service renews it,
// so this process runs no timer, and the service releases it at once when the stream
// ends (Release, Close, the process dying). Its fields mirror core.Lock's.
type Held struct {
	// Lost is closed when the lock ends: lost, or released by [Held.Release].
	Lost <-chan struct{}
	// Resource is the locked resource; FencingToken strictly increases across holders.
	Resource     string
	FencingToken uint64
	// LeaseToken is the lease's secret (Info-free fencing, or a manual Release through
	// another client). Do not log it.
	LeaseToken string
	// Owner is the owner label the lock was taken with.
	Owner string

	lost    chan struct{}
	cancel  context.CancelFunc
	done    chan struct{} // closed when the stream reader returned
	l       *Lessor
	mu      sync.Mutex
	reason  error
	expires time.Time // by the service's clock, as its last renewal said
}

// Holder describes who holds a resource, as a waiting Hold reports it.
type Holder struct {
	Owner        string
	FencingToken uint64
	ExpireTime   time.Time
}

// HoldOption configures one [Lessor.Hold].
type HoldOption func(*holdOptions)

type holdOptions struct{ onWaiting func(Holder) }

// OnWaiting calls f with the holder each time the service reports that the Hold waits
// for it: at once when the resource is held, then every few seconds.
func OnWaiting(f func(Holder)) HoldOption { return func(o *holdOptions) { o.onWaiting = f } }

// foreverWait is the wire wait of a Hold that waits until ctx ends (o.Wait < 0): a
// Hold's wait is not capped by the service, and this one outlasts any caller.
const foreverWait = 10 * 365 * 24 * time.Hour

// Hold takes the lock on resource over one server stream and returns when it is
// granted. ctx bounds the wait only (o.Wait: 0 makes one attempt, negative waits until
// ctx ends); the lock then lives until [Held.Release], [Lessor.Close] or its loss, which
// closes Lost and sets [Held.Err] (never silently: a stream that breaks, a draining
// service, a failed renewal and a service silent for the lock's validity all report the
// lock lost). When the service dies, the lock expires after its TTL as an acquired one
// does.
//
// A transient failure before the grant (the client policy's IsTransient codes) opens a
// new stream after the call back-off, while the wait lasts, as Acquire retries; with no
// wait (o.Wait == 0) it makes exactly one attempt. A service that does not answer at all
// is given up on after the policy's UnreachableGiveUp from the start or its last answer.
//
// The transport must stream a response: Connect and gRPC-Web over HTTP/1.1 or HTTP/2,
// gRPC over HTTP/2. A client limited to unary calls uses Acquire and core's renewal.
// Errors before the grant are Acquire's: [driver.ErrAcquireTimeout] when the wait ran
// out, [driver.ErrUnavailable], [driver.ErrInvalidArgument].
func (l *Lessor) Hold(ctx context.Context, resource string, o driver.LeaseOptions, opts ...HoldOption) (*Held, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return nil, err
	}
	if err := driver.ValidateLease(o); err != nil {
		return nil, err
	}
	var ho holdOptions
	for _, opt := range opts {
		opt(&ho)
	}
	start := time.Now()
	end := start.Add(o.Wait) // meaningful when o.Wait > 0
	// lastAnswer is when the service last answered anything, the start until it does.
	lastAnswer := start
	for failures := 0; ; failures++ {
		wait := o.Wait
		if o.Wait > 0 {
			wait = max(time.Until(end), time.Nanosecond)
		}
		h, err := l.holdOnce(ctx, resource, o, wait, ho)
		if err == nil || ctx.Err() != nil || l.life.Err() != nil || !transient(err) || o.Wait == 0 {
			return h, err
		}
		now := time.Now()
		unreached := isUnanswered(err)
		if !unreached {
			lastAnswer = now
		}
		pause := backoff(failures)
		resume := now.Add(pause)
		if o.Wait > 0 && !resume.Before(end) {
			return nil, err
		}
		if unreached && !resume.Before(lastAnswer.Add(policy.UnreachableGiveUp)) {
			return nil, err
		}
		if !sleep(ctx, pause) {
			return nil, errors.Join(driver.ErrAcquireTimeout, ctx.Err())
		}
	}
}

// holdOnce opens one Hold stream that asks the service to wait up to wait (negative:
// until ctx ends) and returns once it is granted, or the stream's error mapped to the
// contract.
func (l *Lessor) holdOnce(ctx context.Context, resource string, o driver.LeaseOptions, wait time.Duration, ho holdOptions) (*Held, error) {
	if l.life.Err() != nil {
		return nil, driver.ErrClosed
	}
	req := &distlockv1.HoldRequest{Resource: resource, Ttl: durationpb.New(o.TTL), Owner: o.Owner, Data: o.Data}
	switch {
	case wait > 0:
		req.Wait = durationpb.New(wait)
	case wait < 0:
		req.Wait = durationpb.New(foreverWait)
	}
	// The stream outlives ctx once granted: its own context ends with Release or Close.
	streamCtx, cancel := context.WithCancel(l.life)
	stopWait := context.AfterFunc(ctx, cancel)
	stream, err := l.rpc.Hold(streamCtx, connect.NewRequest(req))
	if err != nil {
		stopWait()
		cancel()
		return nil, l.streamError(ctx, err)
	}
	for stream.Receive() {
		switch ev := stream.Msg().GetEvent().(type) {
		case *distlockv1.HoldResponse_Waiting:
			if ho.onWaiting != nil {
				w := ev.Waiting
				ho.onWaiting(Holder{Owner: w.GetOwner(), FencingToken: w.GetFencingToken(), ExpireTime: w.GetExpireTime().AsTime()})
			}
		case *distlockv1.HoldResponse_Granted:
			if !stopWait() {
				// ctx ended as the grant came: nobody will use the lock.
				cancel()
				stream.Close()
				return nil, errors.Join(driver.ErrAcquireTimeout, ctx.Err())
			}
			g := ev.Granted
			h := &Held{Resource: g.GetResource(), FencingToken: g.GetFencingToken(), LeaseToken: g.GetLeaseToken(),
				Owner: o.Owner, lost: make(chan struct{}), cancel: cancel, done: make(chan struct{}), l: l,
				expires: g.GetExpireTime().AsTime()}
			h.Lost = h.lost
			go h.follow(stream, grantedTTL(g.GetTtl(), o.TTL))
			return h, nil
		}
	}
	err = stream.Err()
	stream.Close()
	stopWait()
	cancel()
	if err == nil {
		err = connect.NewError(connect.CodeUnavailable, errors.New("the Hold stream ended before the lock was granted"))
	}
	return nil, l.streamError(ctx, err)
}

// streamError maps the end of a stream before its grant to the contract.
func (l *Lessor) streamError(ctx context.Context, err error) error {
	switch {
	case l.life.Err() != nil:
		return driver.ErrClosed
	case ctx.Err() != nil:
		return errors.Join(driver.ErrAcquireTimeout, ctx.Err())
	}
	if u := unanswered(ctx, l.baseURL, err); u != nil {
		return u
	}
	return fromService(err)
}

// follow reads the granted stream until it ends and records why.
//
// A connection can die without an error reaching this end (a service host that vanished
// without a reset, a proxy that stalls): then no event comes. The service renews every
// TTL/3 and, when it cannot, says lost before the validity ends; the policy's validity of
// ttl with no word at all means the lease may be gone, so the lock is reported lost and
// the stream ended. Counted from the arrival of the grant and of each renewal, as the
// TypeScript SDK counts (not from the request: a grant after a long wait is fresh).
func (h *Held) follow(stream interface {
	Receive() bool
	Msg() *distlockv1.HoldResponse
	Err() error
	Close() error
}, ttl time.Duration) {
	defer close(h.done)
	defer stream.Close()
	validity := policy.Validity(ttl)
	silence := time.AfterFunc(validity, func() {
		h.end(fromService(connect.NewError(connect.CodeUnavailable,
			fmt.Errorf("the service sent no word of the lock for its validity (%v)", validity))))
		h.cancel()
	})
	defer silence.Stop()
	var lost *distlockv1.HoldLost
	for stream.Receive() {
		switch ev := stream.Msg().GetEvent().(type) {
		case *distlockv1.HoldResponse_Renewed:
			silence.Reset(validity)
			h.mu.Lock()
			h.expires = ev.Renewed.GetExpireTime().AsTime()
			h.mu.Unlock()
		case *distlockv1.HoldResponse_Lost:
			lost = ev.Lost
		}
	}
	h.end(h.lossReason(lost, stream.Err()))
}

// lossReason says why a granted stream ended: the service's lost event when it sent
// one, else the stream's error (a connection reset, the service dying).
func (h *Held) lossReason(lost *distlockv1.HoldLost, err error) error {
	if h.l.life.Err() != nil {
		return fmt.Errorf("%w: the client was closed", driver.ErrNotHeld)
	}
	if lost != nil {
		msg := lost.GetMessage()
		if lost.GetReason() == distlockv1.HoldLost_REASON_NOT_HELD {
			return fromService(connect.NewError(connect.CodeNotFound, errors.New(msg)))
		}
		return fromService(connect.NewError(connect.CodeUnavailable, fmt.Errorf("%s (%s)", msg, lost.GetReason())))
	}
	// Without a lost event the service was not heard: the connection broke or the
	// service died. The lock may live on there until its TTL, but nothing renews it.
	return fromService(connect.NewError(connect.CodeUnavailable, fmt.Errorf("the Hold stream broke: %w", err)))
}

// end records the first reason and closes Lost.
func (h *Held) end(reason error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reason == nil {
		h.reason = reason
		close(h.lost)
	}
}

// Err returns nil while Lost is open, then why the lock ended: an error matching
// [driver.ErrNotHeld] when the service said the lease is gone or the holder released
// it; otherwise the service's error (matching [driver.ErrUnavailable] for a draining
// service, a renewal that could not reach a quorum, or a stream that broke).
func (h *Held) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reason
}

// ExpireTime is when the lock expires unless renewed, by the service's clock, as its
// latest renewal reported.
func (h *Held) ExpireTime() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.expires
}

// errHeldReleased is the reason of a Held its holder released.
var errHeldReleased = fmt.Errorf("%w: released by its holder", driver.ErrNotHeld)

// Release ends the stream and waits until it is closed; the service releases the lock
// as soon as it sees the stream end. After a loss it returns an error matching
// [driver.ErrNotHeld] that carries the loss reason, as core.Lock's Release does.
// Calling it more than once is safe.
func (h *Held) Release(ctx context.Context) error {
	h.mu.Lock()
	lostFirst := h.reason
	if lostFirst == nil {
		h.reason = errHeldReleased
		close(h.lost)
	}
	h.mu.Unlock()
	if lostFirst == nil {
		// Release the lease with a unary call before ending the stream, as the TS SDK
		// does: ending the stream alone makes the service release it a moment later, so
		// a caller that checks (or a next holder on this host) could still find it held
		// right after Release returned. Any failure is left to the stream's end, after
		// which the service releases by itself.
		_, _ = call(h.l, ctx, h.l.opts.callTimeout, h.l.rpc.Release, &distlockv1.ReleaseRequest{
			Resource:   h.Resource,
			LeaseToken: h.LeaseToken,
		})
	}
	h.cancel()
	select {
	case <-h.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	switch {
	case lostFirst == nil:
		return nil
	case lostFirst == errHeldReleased:
		return nil
	case errors.Is(lostFirst, driver.ErrNotHeld):
		return fmt.Errorf("lock lost before Release: %w", lostFirst)
	}
	return fmt.Errorf("%w: lock lost before Release: %w", driver.ErrNotHeld, lostFirst)
}
