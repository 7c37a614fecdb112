// Package servertest starts a distlock service inside the test process, as
// net/http/httptest starts an HTTP server: the real `distlock serve`, by default over
// three embedded Redis servers, on a free loopback port.
//
//	srv, err := servertest.Start(nil) // nil: drop the service's logs
//	if err != nil { ... }
//	defer srv.Close()
//	lock, err := core.NewClient().TryLock(ctx, srv.URL, "orders/42")
//
// It links the whole service, Redis code included, so it lives under internal/: the SDK's
// own tests and the CLI's use it, and no SDK user's build can pull it in (it was
// sdks/go/distlocktest, an arrow from the SDK up into the service).
package servertest

import (
	"context"
	"fmt"
	"io"

	"github.com/distlock/distlock/internal/server"
)

// A Server is a running distlock service.
type Server struct {
	// URL is the service's base URL, such as "http://127.0.0.1:41234".
	URL string

	cancel context.CancelFunc
	done   chan error
}

// Start starts `distlock serve --listen 127.0.0.1:0` with the extra serve flags args
// (for example "--lock-service", "memory://x" or "--max-wait", "5s") and returns once
// it listens. Environment variables do not configure it. Its logs go to logs, or are
// dropped when logs is nil.
func Start(logs io.Writer, args ...string) (*Server, error) {
	if logs == nil {
		logs = io.Discard
	}
	flags := append([]string{"--listen", "127.0.0.1:0"}, args...)
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := server.ParseConfig(flags, noEnv, logs)
	if err != nil {
		return nil, fmt.Errorf("servertest: serve flags: %w", err)
	}
	ready := make(chan string, 1)
	cfg.Ready = func(baseURL string) { ready <- baseURL }
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- server.Run(ctx, cfg, logs) }()
	select {
	case s.URL = <-ready:
		return s, nil
	case err := <-s.done:
		cancel()
		return nil, fmt.Errorf("servertest: the server stopped before listening: %w", err)
	}
}

// Close shuts the service down gracefully, as `distlock serve` does on SIGTERM, and
// returns the error the service stopped with.
func (s *Server) Close() error {
	s.cancel()
	err := <-s.done
	s.done <- err // a second Close returns the same
	return err
}
