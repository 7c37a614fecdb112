package redlock

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// go-redis, the Redis client this package uses, logs through one process-wide logger
// that writes plain-text lines to stderr ("redis: … pool.go:770: connection pool:
// failed to dial …"): one per failed dial while a node is down, into the stderr of
// every program that imports this package, and into the middle of a server's JSON
// log. This package routes those lines into log/slog at Debug level instead, when it
// is initialised. What they tell is also in this package's own reports: the errors of
// a call that missed its quorum name each node and its error, [WithNodeErrorHook] and
// [WithLogger] see every failed request, and [Client.Health] says which nodes are down.
//
// A program that wants go-redis's lines elsewhere calls redis.SetLogger after this
// package is initialised (in main, say); that replaces the routing for the process.
func init() { redis.SetLogger(driverLog{}) }

// driverLogger is where go-redis's lines go; nil: slog.Default().
var driverLogger atomic.Pointer[slog.Logger]

// SetDriverLogger sends go-redis's own log lines, for the whole process, to l at Debug
// level, each with its text in the attribute "detail". Default (or nil): slog.Default(),
// whose default handler drops Debug lines. `distlock serve` sets its JSON logger.
func SetDriverLogger(l *slog.Logger) { driverLogger.Store(l) }

// driverLog is go-redis's logger: a bridge to slog.
type driverLog struct{}

func (driverLog) Printf(ctx context.Context, format string, v ...any) {
	l := driverLogger.Load()
	if l == nil {
		l = slog.Default()
	}
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	detail := strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")
	l.DebugContext(ctx, "redis driver", "detail", detail)
}
