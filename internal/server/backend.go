package server

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/distlock/distlock/core"
	_ "github.com/distlock/distlock/core/memory" // memory://, for --lock-service
	"github.com/distlock/distlock/core/redlock"
)

// backend is the lock service the server fronts, and what to close after it.
type backend struct {
	lessor   core.Lessor
	describe string // for the log: never carries a password
	closers  []func() error
}

func (b *backend) close() error {
	return errors.Join(b.lessor.Close(), closeAll(b.closers))
}

// openBackend opens what the config names: --lock-service as any core URL, --redis as
// Redlock over those masters, or, with neither, embedded Redis servers.
func openBackend(c Config, logger *slog.Logger, onNodeError func(node string, err error)) (*backend, error) {
	switch {
	case c.LockService != "":
		l, err := core.Open(c.LockService)
		if err != nil {
			return nil, fmt.Errorf("--lock-service: %w", err)
		}
		return &backend{lessor: l, describe: redact(c.LockService)}, nil
	case c.Redis != "":
		l, err := openRedis(c.Redis, logger, onNodeError)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		return &backend{lessor: l, describe: redact(c.Redis)}, nil
	}
	return startEmbedded(logger, onNodeError)
}

// openRedis opens Redlock over the masters of a redis:// or rediss:// URL, with the
// server's logger and node-error metric attached (a URL cannot carry them).
func openRedis(service string, logger *slog.Logger, onNodeError func(node string, err error)) (core.Lessor, error) {
	scheme, rest, _ := strings.Cut(service, "://")
	switch strings.ToLower(scheme) {
	case "redis", "rediss":
		return redlock.Open(rest, strings.EqualFold(scheme, "rediss"),
			redlock.WithNodeErrorHook(onNodeError), redlock.WithLogger(logger))
	}
	return nil, core.Invalid("%q is not a redis:// or rediss:// URL", scheme)
}

// redact hides the user information of a service URL for logging. It does not use
// net/url, which rejects the comma-separated host lists of redis:// URLs.
// A value without a scheme (a mistyped flag) is redacted as if it were all address.
func redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		if at := strings.LastIndexByte(s, '@'); at >= 0 {
			return "xxxxx@" + s[at+1:]
		}
		return s
	}
	hosts := rest
	if i := strings.IndexAny(hosts, "/?"); i >= 0 {
		hosts = hosts[:i]
	}
	at := strings.LastIndexByte(hosts, '@')
	if at < 0 {
		return s
	}
	return scheme + "://xxxxx@" + rest[at+1:]
}
