package connectsvc

import (
	"errors"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Defaults of the stream options.
const (
	// DefaultStreamDrainGrace is how long Hold and Watch streams outlive [Service.Drain]:
	// held locks get that long to finish their work before they are released and
	// reported lost. It is shorter than the server's default shutdown timeout (15 s), so
	// the streams end with their clear code rather than a cut connection.
	DefaultStreamDrainGrace = 5 * time.Second
	// DefaultHoldWaitingEvery is how often a waiting Hold reports the holder.
	DefaultHoldWaitingEvery = 5 * time.Second
	// DefaultWatchBuffer is how many changes a watcher may fall behind before it is
	// told to resync.
	DefaultWatchBuffer = 256
)

// WithStreamDrainGrace sets how long Hold and Watch streams outlive [Service.Drain]
// before they end with unavailable (a held lock is released and reported lost first).
// Default [DefaultStreamDrainGrace].
func WithStreamDrainGrace(d time.Duration) Option {
	return optionFunc(func(c *config) { c.streamGrace = max(d, 0) })
}

// WithHoldWaitingEvery sets how often a waiting Hold reports the holder after its first
// report. Default [DefaultHoldWaitingEvery].
func WithHoldWaitingEvery(d time.Duration) Option {
	return optionFunc(func(c *config) { c.waitingEvery = d })
}

// WithWatchBuffer bounds, per Watch stream, the changes not yet sent; a watcher further
// behind gets a resync event instead. Default [DefaultWatchBuffer].
func WithWatchBuffer(n int) Option {
	return optionFunc(func(c *config) { c.watchBuffer = n })
}

func (c *config) holdWaitingEvery() time.Duration {
	if c.waitingEvery <= 0 {
		return DefaultHoldWaitingEvery
	}
	return c.waitingEvery
}

func (c *config) watchBufferOr() int {
	if c.watchBuffer <= 0 {
		return DefaultWatchBuffer
	}
	return c.watchBuffer
}

// holdArgs validates a HoldRequest as an AcquireRequest, but its wait is not capped by
// the server's maximum wait: the stream's waiting events keep proxies and the client
// informed, which is what the cap protects unary calls from lacking.
func (c *config) holdArgs(m *distlockv1.HoldRequest) (lo driver.LeaseOptions, err error) {
	lo, err = c.acquireArgs(&distlockv1.AcquireRequest{
		Resource: m.GetResource(), Ttl: m.GetTtl(), Owner: m.GetOwner(), Data: m.GetData(),
	})
	if err != nil {
		return lo, err
	}
	if d := m.GetWait(); d != nil {
		if err := d.CheckValid(); err != nil {
			return lo, invalidArgument("wait is not a valid duration")
		}
		if lo.Wait = d.AsDuration(); lo.Wait < 0 {
			return lo, invalidArgument("wait %v is negative", lo.Wait)
		}
	}
	return lo, nil
}

// streamState ends the streams when a drain's grace period is over. The zero value is
// ready to use.
type streamState struct {
	mu   sync.Mutex
	over chan struct{} // closed when the grace after Drain ends
	once sync.Once
}

func (st *streamState) ch() chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.over == nil {
		st.over = make(chan struct{})
	}
	return st.over
}

// graceOver returns the channel closed when the grace period after a drain ends.
func (st *streamState) graceOver() <-chan struct{} { return st.ch() }

// drain starts the grace period.
func (st *streamState) drain(grace time.Duration) {
	st.once.Do(func() {
		over := st.ch()
		time.AfterFunc(grace, func() { close(over) })
	})
}

// errDrainedStream ends a stream whose drain grace period is over.
func errDrainedStream() error {
	return connect.NewError(connect.CodeUnavailable, errors.New(msgDraining))
}
