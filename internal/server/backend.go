package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/distlock/distlock/core"
	_ "github.com/distlock/distlock/core/memory"  // memory://, for --lock-service
	_ "github.com/distlock/distlock/core/redlock" // redis:// and rediss://, for --redis
)

// backend is the lock service the server fronts, and what to close after it.
type backend struct {
	lessor   core.Lessor
	describe string // for the log: never carries a password
	closers  []func() error
}

func (b *backend) close() error {
	errs := []error{b.lessor.Close()}
	for _, c := range b.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
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
		l, err := core.Open(c.Redis)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		return &backend{lessor: l, describe: redact(c.Redis)}, nil
	}
	return startEmbedded(logger, onNodeError)
}

// redact drops the password from a URL for logging.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
