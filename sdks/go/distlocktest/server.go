// Package distlocktest starts a distlock service for tests, as net/http/httptest starts an
// HTTP server: the real `distlock serve` binary as a child process, on a free loopback
// port, by default over three embedded Redis servers.
//
//	srv, err := distlocktest.Start(nil) // nil: drop the service's logs
//	if err != nil { ... }
//	defer srv.Close()
//	lock, err := core.NewClient().TryLock(ctx, srv.URL, "orders/42")
//
// It runs the binary rather than linking the service, so that a test importing it pulls
// no Redis code into its build, as the SDK pulls none. The binary is $DISTLOCK_BIN, or
// `distlock` on PATH (go install github.com/distlock/distlock/cmd/distlock@latest).
package distlocktest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A Server is a running `distlock serve` process.
type Server struct {
	// URL is the service's base URL, such as "http://127.0.0.1:41234".
	URL string

	cmd  *exec.Cmd
	done chan error // receives the process's exit, then holds it for later Closes
}

// startTimeout bounds how long Start waits for the server to listen: long enough for a
// loaded CI machine, short enough that a hung start fails the test run with a reason.
const startTimeout = 30 * time.Second

// Start starts `distlock serve --listen 127.0.0.1:0` with the extra serve flags args
// (for example "--lock-service", "memory://x" or "--max-wait", "5s") and returns once
// it listens. DISTLOCK_* environment variables do not configure it. Its logs go to logs,
// or are dropped when logs is nil. The process is killed if the test process dies first
// (on Linux).
func Start(logs io.Writer, args ...string) (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	if logs == nil {
		logs = io.Discard
	}
	dir, err := os.MkdirTemp("", "distlocktest-")
	if err != nil {
		return nil, fmt.Errorf("distlocktest: %w", err)
	}
	defer os.RemoveAll(dir)
	ready := filepath.Join(dir, "ready")
	var tail lastLines
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--ready-file", ready}, args...)...)
	cmd.Env = withoutConfig(os.Environ())
	cmd.Stdout, cmd.Stderr = logs, io.MultiWriter(logs, &tail)
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("distlocktest: starting %s: %w", bin, err)
	}
	s := &Server{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	url, err := awaitReady(ready, s.done)
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("distlocktest: %w: %s", err, tail.String())
	}
	s.URL = url
	return s, nil
}

// Close shuts the service down gracefully with SIGTERM (on Windows it kills it) and
// returns the error the process stopped with (nil for a clean exit).
func (s *Server) Close() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = s.cmd.Process.Kill() // Windows has no SIGTERM; an exited process ignores both
	}
	err := <-s.done
	s.done <- err // a second Close returns the same
	return err
}

// binary is the distlock binary to run.
func binary() (string, error) {
	if bin := os.Getenv("DISTLOCK_BIN"); bin != "" {
		return bin, nil
	}
	bin, err := exec.LookPath("distlock")
	if err != nil {
		return "", errors.New("distlocktest: no distlock binary: set DISTLOCK_BIN or put distlock on PATH " +
			"(go install github.com/distlock/distlock/cmd/distlock@latest)")
	}
	return bin, nil
}

// withoutConfig drops the DISTLOCK_* variables, which `distlock serve` reads as flags.
func withoutConfig(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DISTLOCK_") {
			out = append(out, kv)
		}
	}
	return out
}

// awaitReady waits for `distlock serve --ready-file` to write its base URL. The server
// renames the file into place, so one read that finds it is complete. A file's appearance
// cannot be awaited on a channel without inotify, so this looks every 10 ms, and gives up
// when the process exits or after startTimeout.
func awaitReady(path string, exited chan error) (string, error) {
	deadline := time.After(startTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			return string(b), nil
		}
		select {
		case err := <-exited:
			exited <- err // for Close
			return "", fmt.Errorf("the server stopped before listening (%v)", err)
		case <-deadline:
			return "", fmt.Errorf("the server did not listen within %v", startTimeout)
		case <-tick.C:
		}
	}
}

// lastLines keeps the end of the server's stderr, which says why a start failed.
type lastLines struct{ b []byte }

func (l *lastLines) Write(p []byte) (int, error) {
	const keep = 2048
	l.b = append(l.b, p...)
	if len(l.b) > keep {
		l.b = l.b[len(l.b)-keep:]
	}
	return len(p), nil
}

func (l *lastLines) String() string { return strings.TrimSpace(string(l.b)) }
