package connectsvc

import (
	"context"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/distlock/distlock/core/driver"
)

// An Option configures a [Service] made by [New].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	minTTL, maxTTL  time.Duration
	maxWait         time.Duration
	logger          *slog.Logger
	longWaitLog     time.Duration
	readMaxBytes    int
	corsOrigins     []string
	holdTrackerSize int
	healthChecker   driver.HealthChecker
	maxWaiters      int64
	guard           Guard
	collectors      []prometheus.Collector
	interceptors    []connect.Interceptor
	// beforeGrantReply, if set, runs between a grant and the first byte of its reply,
	// with the request's context: tests put a departing caller there.
	beforeGrantReply func(ctx context.Context)
	// Streams (streams.go).
	streamGrace, waitingEvery time.Duration
	watchBuffer               int
}

// Defaults of [New]; each option's doc repeats its default.
const (
	// DefaultMaxWait is the longest an Acquire waits, whatever it asks for.
	DefaultMaxWait = time.Minute
	// DefaultLongWaitLog is the interval of the progress log line of a long Acquire.
	DefaultLongWaitLog = 10 * time.Second
	// DefaultReadMaxBytes bounds a request message: room for the largest payload
	// (driver.MaxDataLen) in base64 JSON with a resource name and owner label.
	DefaultReadMaxBytes = 256 << 10
	// DefaultMaxWaiters caps the Acquires waiting at once. A waiting Acquire costs about
	// 24 KiB (two goroutines, buffers): 10000 of them about 240 MB.
	DefaultMaxWaiters = 10000
)

func newConfig(opts []Option) config {
	c := config{
		minTTL:          driver.MinTTL,
		maxTTL:          driver.MaxTTL,
		maxWait:         DefaultMaxWait,
		logger:          slog.New(slog.DiscardHandler),
		longWaitLog:     DefaultLongWaitLog,
		readMaxBytes:    DefaultReadMaxBytes,
		holdTrackerSize: 1 << 16,
		maxWaiters:      DefaultMaxWaiters,
		guard:           openGuard{},
		streamGrace:     DefaultStreamDrainGrace,
	}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// WithTTLBounds narrows the TTLs clients may ask for to [minTTL, maxTTL]. Bounds outside
// the core's [driver.MinTTL, driver.MaxTTL] are clamped to them. A TTL left unset in a request
// is driver.DefaultTTL clamped to these bounds. Default: the core's bounds, 5s to 10m.
func WithTTLBounds(minTTL, maxTTL time.Duration) Option {
	return optionFunc(func(c *config) {
		c.minTTL = max(minTTL, driver.MinTTL)
		c.maxTTL = min(maxTTL, driver.MaxTTL)
	})
}

// WithMaxWait caps how long one Acquire waits for a held lock; a request asking for more
// waits this long (it is not an error: SDKs split longer waits into several calls).
// Default [DefaultMaxWait], one minute.
func WithMaxWait(d time.Duration) Option {
	return optionFunc(func(c *config) { c.maxWait = max(d, 0) })
}

// WithLogger sets the structured logger for request and error logs. Lease tokens are
// never logged. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithLongWaitLog sets how often an Acquire still waiting logs a progress line; zero or
// less turns the lines off. Default [DefaultLongWaitLog], ten seconds.
func WithLongWaitLog(every time.Duration) Option {
	return optionFunc(func(c *config) { c.longWaitLog = every })
}

// WithReadMaxBytes bounds the size of one request message; a larger one fails with
// resource_exhausted before it is decoded. Default [DefaultReadMaxBytes], 256 KiB.
func WithReadMaxBytes(n int) Option {
	return optionFunc(func(c *config) { c.readMaxBytes = n })
}

// WithCORSOrigins allows browsers on these origins (for example "https://app.example")
// to call the service; "*" allows any. Default: none, and no CORS headers are sent.
func WithCORSOrigins(origins ...string) Option {
	return optionFunc(func(c *config) { c.corsOrigins = append([]string(nil), origins...) })
}

// WithMaxWaiters caps the Acquires that may wait for a held lock at once, whoever calls;
// beyond it an Acquire that asks to wait fails at once with resource_exhausted naming
// the cap (one asking for no wait is still tried). Default [DefaultMaxWaiters], 10000.
func WithMaxWaiters(n int) Option {
	return optionFunc(func(c *config) { c.maxWaiters = int64(max(n, 1)) })
}

// WithCollectors adds Prometheus collectors (an auth layer's counters, say) to those the
// service serves at /metrics. Default: none.
func WithCollectors(cs ...prometheus.Collector) Option {
	return optionFunc(func(c *config) { c.collectors = append(c.collectors, cs...) })
}
