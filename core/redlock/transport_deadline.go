package redlock

import (
	"context"
	"sync/atomic"
	"time"
)

// deadlineGrain is how much later than its own timeout a fan-out's requests may time
// out: fan-outs that start within one grain of each other with the same timeout share
// one context, and so one timer. A timer per fan-out (context.WithTimeout) was about a
// sixth of the bytes the client allocated per acquire+release pair.
const deadlineGrain = time.Millisecond

// deadlines hands out the contexts that fan-outs' requests run under: no values and no
// cancellation but the deadline (the requests are the Client's, not the caller's, whose
// cancellation must not cut them short).
type deadlines struct {
	cur atomic.Pointer[sharedDeadline]
}

type sharedDeadline struct {
	ctx      context.Context
	cancel   context.CancelFunc // never called: the context ends at its deadline, which also frees its timer
	timeout  time.Duration
	deadline time.Time
}

// get returns a context that ends between now+timeout and now+timeout+deadlineGrain.
func (d *deadlines) get(now time.Time, timeout time.Duration) context.Context {
	want := now.Add(timeout)
	if s := d.cur.Load(); s != nil && s.timeout == timeout && !want.After(s.deadline) {
		return s.ctx
	}
	s := &sharedDeadline{timeout: timeout, deadline: want.Add(deadlineGrain)}
	s.ctx, s.cancel = context.WithDeadline(context.Background(), s.deadline)
	// Two fan-outs may both get here; either context is as good.
	d.cur.Store(s)
	return s.ctx
}
