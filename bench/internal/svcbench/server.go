package svcbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The service is measured as users run it: the `distlock serve` binary, built from this
// checkout, in a process of its own, with the middleware, limits, logging and runtime
// settings of internal/server. A process rather than server.Run in this one, so that the
// server's heap, GC and runtime settings are its own and not the client's: in one
// process the client's garbage would drive the server's collections and the other way
// round, which no deployment sees.

// serverShutdown bounds the graceful shutdown of the service process; after it the
// process is killed.
const serverShutdown = 15 * time.Second

// service is a running `distlock serve` process.
type service struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has exited and its log is drained
	log    *tailBuffer
	err    error // of Wait, once exited is closed
}

// buildServer builds cmd/distlock of the module that the bench module replaces
// github.com/distlock/distlock with (this checkout) into dir.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/distlock/distlock").Output()
	if err != nil {
		return "", fmt.Errorf("locating the distlock module: %w", err)
	}
	bin := filepath.Join(dir, "distlock")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/distlock")
	build.Dir = strings.TrimSpace(string(root))
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/distlock: %w\n%s", err, out)
	}
	return bin, nil
}

// startServer runs `bin serve` over Redlock on addrs, on a free loopback port, and
// returns once it logged that it serves: unlike the file of --ready-file, which the
// conformance runner and the SDK tests poll for, a log line can be awaited. The restart
// quarantine is off as it is for the core direct row (see contenders.NewDistlock): the
// nodes are new.
func startServer(ctx context.Context, bin string, addrs []string) (*service, error) {
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0",
		"--redis", "redis://"+strings.Join(addrs, ",")+"?quarantine=0")
	// The kernel ends the service if the benchmark dies without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting distlock serve: %w", err)
	}
	s := &service{cmd: cmd, exited: make(chan struct{}), log: &tailBuffer{}}
	ready := make(chan string, 1)
	go func() {
		defer close(s.exited)
		s.scanLog(stderr, ready)
		s.err = cmd.Wait()
	}()
	select {
	case s.url = <-ready:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("distlock serve exited before serving (%v); its log ends:\n%s", s.err, s.log)
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-s.exited
		return nil, ctx.Err()
	}
}

// scanLog reads the service's JSON log lines until EOF, sends the URL of its "serving"
// line on ready, and keeps the last lines for error reports.
func (s *service) scanLog(r io.Reader, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		s.log.add(line)
		var l struct{ Msg, URL string }
		if json.Unmarshal(line, &l) == nil && l.Msg == "distlock serving" && l.URL != "" {
			select {
			case ready <- l.URL:
			default:
			}
		}
	}
	// A line too long for the scanner stops it; keep reading so that the server never
	// blocks on a full stderr pipe.
	_, _ = io.Copy(io.Discard, r)
}

// stop shuts the service down gracefully (SIGTERM) and returns an error if it did not
// exit cleanly within serverShutdown.
func (s *service) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	t := time.NewTimer(serverShutdown)
	defer t.Stop()
	select {
	case <-s.exited:
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("distlock serve did not shut down within %v; its log ends:\n%s", serverShutdown, s.log)
	}
	if s.err != nil {
		return fmt.Errorf("distlock serve: %w; its log ends:\n%s", s.err, s.log)
	}
	return nil
}

// tailBuffer keeps the last lines written to it.
type tailBuffer struct {
	mu    sync.Mutex
	lines [][]byte
}

const tailLines = 20

func (b *tailBuffer) add(line []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.lines) == tailLines {
		b.lines = b.lines[1:]
	}
	b.lines = append(b.lines, bytes.Clone(line))
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.Join(b.lines, []byte("\n")))
}
