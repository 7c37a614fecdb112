package connectsvc

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// A grant can be decided after its caller has left: the wait ends with a grant just as
// the caller cancels, and the server learns of the cancellation (a closed connection, a
// reset stream) a little later. Acquire checks the caller's context once the lessor
// answers, but the reply is written after that check, so a caller that left in between
// got no token and the lock stayed held for its whole TTL (11 of 120 rounds of the
// probe). grantGuard checks again at the last moment the server can: when the reply's
// first byte is about to be written, and when it is flushed. A grant whose caller is gone
// by then, or whose reply could not be written, is released at once.
//
// What remains is a reply written in full to a connection the caller has already closed
// but the server has not yet seen closed: the bytes leave, nobody reads them, and the
// lease lives out its TTL. A unary call cannot close that gap; the Hold stream (a lock
// that lives exactly as long as its stream) does.

// grantSlot carries a granted lease from Acquire to the writer of its reply.
type grantSlot struct {
	mu    sync.Mutex
	lease *driver.Lease
	done  bool // the grant was delivered or released; nothing more to do
}

type grantSlotKey struct{}

// holdGrant records a granted lease in ctx's slot, if the call has one.
func holdGrant(ctx context.Context, lease driver.Lease) {
	if slot, ok := ctx.Value(grantSlotKey{}).(*grantSlot); ok {
		slot.mu.Lock()
		slot.lease = &lease
		slot.mu.Unlock()
	}
}

// take returns the lease not yet delivered nor released, and marks it handled.
func (g *grantSlot) take() (driver.Lease, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lease == nil || g.done {
		return driver.Lease{}, false
	}
	g.done = true
	return *g.lease, true
}

// pending reports whether a lease waits to be delivered.
func (g *grantSlot) pending() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lease != nil && !g.done
}

// errCallerGone is what the writer of an abandoned grant's reply returns.
var errCallerGone = errors.New("the caller left before the grant's reply was written")

// guardGrant serves an Acquire so that its grant is released if its reply cannot reach
// the caller.
func (s *Service) guardGrant(next http.Handler, w http.ResponseWriter, r *http.Request) {
	slot := &grantSlot{}
	gw := &grantWriter{ResponseWriter: w, svc: s, req: r, slot: slot, held: r.ProtoMajor == 1}
	next.ServeHTTP(gw, r.WithContext(context.WithValue(r.Context(), grantSlotKey{}, slot)))
	gw.release(true)
	if !slot.pending() {
		return
	}
	// Once a flush has sent the reply, the caller may have read it and left: a context
	// cancelled now says nothing about delivery. Before that, nothing has left the
	// server's buffers, and a caller gone now never saw its token.
	if !gw.flushed && r.Context().Err() != nil {
		gw.abandon()
		return
	}
	if err := http.NewResponseController(w).Flush(); err != nil {
		gw.abandon()
		return
	}
	slot.take()
}

// grantWriter is the ResponseWriter of an Acquire: before the first byte of a reply that
// carries a grant, it checks that the caller is still there.
//
// Over HTTP/1.x it also holds the reply until the handler is done, so that it leaves with
// a Content-Length: the flush that tells whether a grant's reply could be written would
// otherwise make net/http send it chunked, and the chunk that ends it as a second write
// after the handler (a second wake-up for the caller; about 2 % of a pair's latency at
// c=1). A unary reply is a few hundred bytes.
type grantWriter struct {
	http.ResponseWriter
	svc       *Service
	req       *http.Request
	slot      *grantSlot
	checked   bool
	abandoned bool
	flushed   bool // a flush sent what was written
	// held is set while the reply is held: code and body wait for release.
	held bool
	code int
	body []byte
}

// release writes the held reply and ends holding; whole says the reply is complete, so
// that it may carry its length.
func (w *grantWriter) release(whole bool) {
	if !w.held {
		return
	}
	w.held = false
	if w.abandoned {
		return
	}
	if h := w.Header(); whole && h.Get("Content-Length") == "" && h.Get("Trailer") == "" {
		h.Set("Content-Length", strconv.Itoa(len(w.body)))
	}
	if w.code != 0 {
		w.ResponseWriter.WriteHeader(w.code)
	}
	if len(w.body) > 0 {
		if _, err := w.ResponseWriter.Write(w.body); err != nil {
			w.abandon()
		}
	}
}

func (w *grantWriter) check() {
	if w.checked {
		return
	}
	w.checked = true
	if !w.slot.pending() {
		return
	}
	if hook := w.svc.cfg.beforeGrantReply; hook != nil {
		hook(w.req.Context())
	}
	if w.req.Context().Err() != nil {
		w.abandon()
	}
}

func (w *grantWriter) abandon() {
	w.abandoned = true
	if lease, ok := w.slot.take(); ok {
		w.svc.cfg.logger.Info("released a grant whose caller left before its reply was written",
			"resource", lease.Resource)
		w.svc.releaseAbandoned(w.req.Context(), lease)
	}
}

func (w *grantWriter) WriteHeader(code int) {
	switch w.check(); {
	case w.abandoned:
	case w.held:
		if w.code == 0 {
			w.code = code
		}
	default:
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *grantWriter) Write(p []byte) (int, error) {
	if w.check(); w.abandoned {
		return 0, errCallerGone
	}
	if w.held {
		w.body = append(w.body, p...)
		return len(p), nil
	}
	n, err := w.ResponseWriter.Write(p)
	if err != nil {
		w.abandon()
	}
	return n, err
}

func (w *grantWriter) Flush() {
	w.release(false) // a handler that flushes streams: what it wrote so far goes now
	if w.abandoned {
		return
	}
	if err := http.NewResponseController(w.ResponseWriter).Flush(); err != nil {
		w.abandon()
		return
	}
	w.flushed = w.checked
}

func (w *grantWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
