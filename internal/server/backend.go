package server

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	"github.com/distlock/distlock/core/redlock"
)

// backend is the lock service the server fronts, and what to close after it.
type backend struct {
	lessor   driver.Lessor
	describe string // for the log: never carries a password
	closers  []func() error
}

func (b *backend) close() error {
	return errors.Join(b.lessor.Close(), closeAll(b.closers))
}

// hooks are what the server hands a backend that a URL cannot carry.
type hooks struct {
	logger      *slog.Logger
	onNodeError func(node string, err error)
	nodeTracer  redlock.NodeTracer // nil: tracing is off
}

// backends are the lock services the server can front, by URL scheme. The server wires
// them itself, as values, rather than through driver.Open's registry: Redlock needs the
// server's logger and node-error metric, and the set of schemes must not depend on which
// packages the binary happens to import.
var backends = map[string]func(address string, h hooks) (driver.Lessor, error){
	"redis":  func(a string, h hooks) (driver.Lessor, error) { return openRedlock(a, false, h) },
	"rediss": func(a string, h hooks) (driver.Lessor, error) { return openRedlock(a, true, h) },
	"memory": func(a string, _ hooks) (driver.Lessor, error) { return memory.Open(a) },
}

func openRedlock(address string, tls bool, h hooks) (driver.Lessor, error) {
	return redlock.Open(address, tls, h.redlockOptions()...)
}

// redlockOptions are the hooks as Redlock client options.
func (h hooks) redlockOptions() []redlock.Option {
	return []redlock.Option{redlock.WithNodeErrorHook(h.onNodeError), redlock.WithLogger(h.logger),
		redlock.WithNodeTracer(h.nodeTracer)}
}

// openBackend opens what the config names: --lock-service or --redis through the
// backends table, or, with neither, embedded Redis servers.
func openBackend(c Config, h hooks) (*backend, error) {
	flag, url := "--lock-service", c.LockService
	if c.Redis != "" {
		flag, url = "--redis", c.Redis
	}
	if url == "" {
		return startEmbedded(h, c.embeddedStarted)
	}
	l, err := openURL(url, h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return &backend{lessor: l, describe: redact(url)}, nil
}

// openURL opens a lock service URL with the backend its scheme (in any case) names.
func openURL(url string, h hooks) (driver.Lessor, error) {
	scheme, address, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		// The URL is not repeated: it may carry a password.
		return nil, driver.Invalid("not a URL of the form scheme://address")
	}
	open, found := backends[strings.ToLower(scheme)]
	if !found {
		return nil, driver.Invalid("unknown lock service scheme %q (distlock serve knows %s)",
			scheme, strings.Join(slices.Sorted(maps.Keys(backends)), ", "))
	}
	return open(address, h)
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
