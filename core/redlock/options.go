package redlock

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// An Option configures a [Client]. Each option's doc states its default.
type Option func(*config)

// config holds every setting of a Client; defaultConfig is the single place defaults live.
type config struct {
	tls         *tls.Config
	username    string
	password    string
	db          int
	nodeTimeout time.Duration // 0: derived from the TTL, see nodeTimeoutFor
	quarantine  time.Duration
	onNodeError func(node string, err error)
	nodeTracer  NodeTracer
	logger      *slog.Logger
	keyPrefix   string
}

// Defaults, repeated in the options' docs.
const (
	// DefaultKeyPrefix prefixes every key and channel the package writes.
	DefaultKeyPrefix = "distlock"
	// DefaultQuarantine is how long a node that lost its data is not trusted: the longest
	// TTL, so every lock it forgot has expired everywhere before its votes count again.
	DefaultQuarantine = driver.MaxTTL
	// MinNodeTimeout and MaxNodeTimeout bound the derived per-node timeout; see
	// [WithNodeTimeout].
	MinNodeTimeout = 100 * time.Millisecond
	MaxNodeTimeout = time.Second
)

func defaultConfig() config {
	return config{
		quarantine: DefaultQuarantine,
		logger:     slog.New(slog.DiscardHandler),
		keyPrefix:  DefaultKeyPrefix,
	}
}

// WithTLS connects to every node over TLS with this configuration. Default: plain TCP
// (the rediss:// scheme turns TLS on with the system roots).
func WithTLS(c *tls.Config) Option { return func(o *config) { o.tls = c } }

// WithUsername sets the ACL user name sent to every node. Default: none (the default user).
func WithUsername(user string) Option { return func(o *config) { o.username = user } }

// WithPassword sets the password sent to every node. Default: none.
func WithPassword(password string) Option { return func(o *config) { o.password = password } }

// WithDB selects the database number on every node. Default 0.
func WithDB(db int) Option { return func(o *config) { o.db = db } }

// WithNodeTimeout sets how long one request to one node may take before that node counts
// as failed for the attempt. It must be a small fraction of the TTL, since the time an
// attempt takes is subtracted from the lock's validity, but not so small that a busy
// machine's scheduling delays count as failures, nor so large that a silent node stalls
// every attempt. Default: TTL/50 within [MinNodeTimeout, MaxNodeTimeout] (100 ms for
// TTLs up to 5 s, 600 ms for the default 30 s TTL, 1 s from 50 s); requests without a
// TTL (Info, Read) use the default TTL's value.
func WithNodeTimeout(d time.Duration) Option { return func(o *config) { o.nodeTimeout = d } }

// WithQuarantine sets how long a node that lost its data (restarted without persistence,
// or flushed) does not count toward a quorum. Default [DefaultQuarantine] (driver.MaxTTL,
// 10 minutes): every lock the node forgot has expired by then. 0 disables the check,
// which is only safe for throw-away servers (tests, embedded development servers). A
// fresh cluster looks like one that lost its data, so it is quarantined once at first
// use, unless its nodes were initialised once ([Client.InitNodes], `distlock redis
// init`).
func WithQuarantine(d time.Duration) Option { return func(o *config) { o.quarantine = d } }

// WithNodeErrorHook calls f for every failed request to a node (timeouts included), for
// example to count errors per node in metrics. f must be fast and safe for concurrent
// use; it never sees a lease token. Default: none.
func WithNodeErrorHook(f func(node string, err error)) Option {
	return func(o *config) { o.onNodeError = f }
}

// WithLogger sets where the client logs node failures and quarantines (at Debug and
// Warn). Tokens are never logged. Default (or nil): nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *config) {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		o.logger = l
	}
}

// WithKeyPrefix sets the prefix of every key and pub/sub channel. Clients that should
// see each other's locks must use the same prefix. Default [DefaultKeyPrefix] ("distlock").
func WithKeyPrefix(p string) Option { return func(o *config) { o.keyPrefix = p } }

// nodeTimeoutFor returns the per-node timeout for a request about a lock of this TTL.
func (c *config) nodeTimeoutFor(ttl time.Duration) time.Duration {
	if c.nodeTimeout > 0 {
		return c.nodeTimeout
	}
	if ttl <= 0 {
		ttl = driver.DefaultTTL
	}
	return min(max(ttl/50, MinNodeTimeout), MaxNodeTimeout)
}
