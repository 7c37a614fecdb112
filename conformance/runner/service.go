package runner

import (
	"context"
	"io"
	"sync"

	"github.com/distlock/distlock/internal/testproc"
)

// service is a `distlock serve` process over the environment's nodes. It listens on a
// free port, so its URL changes when it restarts.
type service struct {
	bin, redisURL string
	extra         []string // flags after --redis (the auth service's --auth FILE)
	log           io.Writer

	mu   sync.Mutex
	proc *testproc.Serve // nil while stopped
	url  string          // the last one, kept while stopped: calls to it fail as to a down service
}

func startService(bin, redisURL string, log io.Writer, extra ...string) (*service, error) {
	s := &service{bin: bin, redisURL: redisURL, log: log, extra: extra}
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
	p, err := testproc.StartServe(context.Background(), testproc.ServeConfig{
		Binary: s.bin, Args: append([]string{"--redis", s.redisURL}, s.extra...), Log: s.log})
	if err != nil {
		return err
	}
	s.proc, s.url = p, p.URL()
	return nil
}

// stop shuts the service down gracefully, killing it if that takes too long. How it
// exited is in its log; the next case does not depend on it.
func (s *service) stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		_ = p.Close()
	}
}

func (s *service) restart(context.Context) error {
	s.stop()
	return s.start()
}
