package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// service is a `distlock serve` process over the environment's nodes, started through
// the binary's documented contract: --listen 127.0.0.1:0 and --ready-file, which receives
// the base URL once the server listens.
type service struct {
	bin, redisURL, dir string
	log                *os.File

	mu   sync.Mutex
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	n    int
}

func startService(bin, redisURL, dir string, log *os.File) (*service, error) {
	s := &service{bin: bin, redisURL: redisURL, dir: dir, log: log}
	return s, s.start()
}

// baseURL is where the service listens now; it changes on restart.
func (s *service) baseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

func (s *service) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	ready := filepath.Join(s.dir, fmt.Sprintf("ready-%d", s.n))
	cmd := exec.Command(s.bin, "serve", "--listen", "127.0.0.1:0", "--ready-file", ready, "--redis", s.redisURL)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start distlock serve: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	url, err := awaitReadyFile(ready, done)
	if err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("distlock serve: %w (log: %s)", err, s.log.Name())
	}
	s.url, s.cmd, s.done = url, cmd, done
	return nil
}

// awaitReadyFile waits for the server to write its base URL. A file's appearance cannot
// be awaited on a channel without inotify, so this reads it every 20 ms, and takes its
// content once two reads agree (the writer may not write it atomically), giving up when
// the process exits or after 30 s.
func awaitReadyFile(path string, exited <-chan struct{}) (string, error) {
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		b, _ := os.ReadFile(path)
		url := strings.TrimSpace(string(b))
		if url != "" && url == last {
			return url, nil
		}
		last = url
		select {
		case <-exited:
			return "", errors.New("exited before it was ready")
		case <-deadline:
			return "", errors.New("not ready after 30s")
		case <-tick.C:
		}
	}
}

// stop asks the service to shut down gracefully and kills it after 10 s.
func (s *service) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (s *service) restart(context.Context) error {
	s.stop()
	return s.start()
}
