package floor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/internal/testproc"
)

// The floor server runs in a process of its own, as `distlock serve` does: the bench
// binary started again with envNodes set, which main hands to [ServeIfChild].
const envNodes = "DISTLOCK_BENCH_FLOOR_NODES"

// stopGrace is how long Close waits for the server to exit after SIGTERM.
const stopGrace = 10 * time.Second

// ServeIfChild serves the floor over the core on the nodes named by envNodes, when this
// process was started as a floor server, and never returns then: it prints its base URL
// on stdout and serves until SIGTERM.
func ServeIfChild() {
	addrs := os.Getenv(envNodes)
	if addrs == "" {
		return
	}
	if err := serve(strings.Split(addrs, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "floor server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serve(addrs []string) error {
	// The core as the service and the core direct row run it: no restart quarantine,
	// because the bench's nodes are new (see contenders.NewDistlock).
	c, err := redlock.New(addrs, redlock.WithQuarantine(0))
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: Handler(c), ReadHeaderTimeout: 10 * time.Second}
	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	go func() {
		<-stop.Done()
		srv.Close()
	}()
	fmt.Printf("http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Proc is a running floor server.
type Proc struct {
	*testproc.Process
	url string
}

// Start runs a floor server over the nodes at addrs, with GOMAXPROCS=procs unless procs
// is 0, and waits until it listens.
func Start(ctx context.Context, addrs []string, procs int) (*Proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	env := []string{envNodes + "=" + strings.Join(addrs, ",")}
	if procs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	var url string
	p, err := testproc.Start(ctx, testproc.Spec{Name: "floor server", Path: self, Env: env,
		Ready: func(line []byte) bool {
			url = string(line)
			return strings.HasPrefix(url, "http://")
		}})
	if err != nil {
		return nil, err
	}
	return &Proc{Process: p, url: url}, nil
}

// URL is the server's base URL.
func (p *Proc) URL() string { return p.url }

// Close stops the server (SIGTERM) and waits for it.
func (p *Proc) Close() error { return p.Stop(stopGrace) }
