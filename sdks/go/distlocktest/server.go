// Package distlocktest starts a distlock service inside the test process, as
// net/http/httptest starts an HTTP server: the real `distlock serve`, by default over
// three embedded Redis servers, on a free loopback port.
//
//	srv, err := distlocktest.Start(nil) // nil: drop the service's logs
//	if err != nil { ... }
//	defer srv.Close()
//	lock, err := core.NewClient().TryLock(ctx, srv.URL, "orders/42")
//
// Unlike the SDK, this package links the whole service, Redis code included; import it
// from tests only.
package distlocktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/distlock/distlock/internal/server"
)

// startTimeout bounds how long Start waits for the service to listen.
const startTimeout = time.Minute

// A Server is a running distlock service.
type Server struct {
	// URL is the service's base URL, such as "http://127.0.0.1:41234".
	URL string

	cancel context.CancelFunc
	done   chan error
	dir    string
}

// Start starts `distlock serve --listen 127.0.0.1:0` with the extra serve flags args
// (for example "--lock-service", "memory://x" or "--max-wait", "5s") and returns once
// it listens. Environment variables do not configure it. Its logs go to logs, or are
// dropped when logs is nil.
func Start(logs io.Writer, args ...string) (*Server, error) {
	if logs == nil {
		logs = io.Discard
	}
	dir, err := os.MkdirTemp("", "distlocktest-")
	if err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "ready")
	flags := append([]string{"--listen", "127.0.0.1:0", "--ready-file", ready}, args...)
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := server.ParseConfig(flags, noEnv, logs)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("distlocktest: serve flags: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cancel: cancel, done: make(chan error, 1), dir: dir}
	go func() { s.done <- server.Run(ctx, cfg, logs) }()

	url, err := awaitReady(ready, s.done)
	if err != nil {
		cancel()
		os.RemoveAll(dir)
		return nil, err
	}
	s.URL = url
	return s, nil
}

// awaitReady returns the base URL that the server writes to path once it listens. The
// ready file is the server's only signal, so it is polled; a server that stops first
// reports its error on done.
func awaitReady(path string, done chan error) (string, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(startTimeout)
	defer timeout.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		select {
		case err := <-done:
			return "", fmt.Errorf("distlocktest: the server stopped before listening: %w", err)
		case <-timeout.C:
			return "", errors.New("distlocktest: the server did not listen within a minute")
		case <-tick.C:
		}
	}
}

// Close shuts the service down gracefully, as `distlock serve` does on SIGTERM, and
// returns the error the service stopped with.
func (s *Server) Close() error {
	s.cancel()
	err := <-s.done
	s.done <- err // a second Close returns the same
	os.RemoveAll(s.dir)
	return err
}
