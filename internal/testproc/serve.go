package testproc

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"time"
)

// ServeStopGrace is how long [Serve.Close] waits for a graceful shutdown before it kills
// the service: longer than serve's default --shutdown-timeout (15 s), so that a drain
// that keeps to its own bound is never cut short.
const ServeStopGrace = 20 * time.Second

// ServeConfig describes a `distlock serve` process.
type ServeConfig struct {
	// Binary is the distlock executable; empty: [Distlock] builds it from this checkout.
	Binary string
	// Args are serve flags, e.g. "--redis", url. They follow "serve --listen
	// 127.0.0.1:0 --log-level info" and may override them, except that the log level
	// must stay at info or below: the ready signal is the "distlock serving" log line.
	Args []string
	// Log, if not nil, receives the service's log, JSON lines as written.
	Log io.Writer
	// Env adds environment variables (KEY=value), e.g. GOMAXPROCS=1.
	Env []string
}

// Serve is a running `distlock serve` process.
type Serve struct {
	*Process
	url   string
	procs int
}

// StartServe starts `distlock serve` on a free loopback port and returns once it logs
// that it serves. The log line, unlike the file of --ready-file, can be awaited without
// polling.
func StartServe(ctx context.Context, cfg ServeConfig) (*Serve, error) {
	bin := cfg.Binary
	if bin == "" {
		var err error
		if bin, err = Distlock(ctx); err != nil {
			return nil, err
		}
	}
	s := &Serve{}
	p, err := Start(ctx, Spec{
		Name: "distlock serve",
		Path: bin,
		Args: slices.Concat([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "info"}, cfg.Args),
		Log:  cfg.Log,
		Env:  cfg.Env,
		Ready: func(line []byte) bool {
			var l struct {
				Msg, URL   string
				GOMAXPROCS int
			}
			if json.Unmarshal(line, &l) != nil || l.Msg != "distlock serving" || l.URL == "" {
				return false
			}
			s.url, s.procs = l.URL, l.GOMAXPROCS // read only after Start returns, which the ready signal orders
			return true
		},
	})
	if err != nil {
		return nil, err
	}
	s.Process = p
	return s, nil
}

// URL is the service's base URL, such as http://127.0.0.1:41234.
func (s *Serve) URL() string { return s.url }

// Procs is the GOMAXPROCS the service said it runs with.
func (s *Serve) Procs() int { return s.procs }

// Close shuts the service down gracefully (SIGTERM), waiting up to [ServeStopGrace]. Its
// error says the service had to be killed or did not exit cleanly.
func (s *Serve) Close() error { return s.Stop(ServeStopGrace) }
