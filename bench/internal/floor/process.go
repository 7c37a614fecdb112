package floor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/core/redlock"
)

// The floor server runs in a process of its own, as `distlock serve` does: the bench
// binary started again with envNodes set, which main hands to [ServeIfChild].
const envNodes = "DISTLOCK_BENCH_FLOOR_NODES"

// ServeIfChild serves the floor over the core on the nodes named by envNodes, when this
// process was started as a floor server, and never returns then: it prints its base URL
// on stdout and serves until stdin closes (its parent went away).
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
	go func() {
		bufio.NewReader(os.Stdin).ReadByte() // EOF when the parent is gone
		srv.Close()
	}()
	fmt.Printf("http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// closeGrace is how long Close waits for the server to exit once told to.
const closeGrace = 10 * time.Second

// Proc is a running floor server.
type Proc struct {
	cmd   *exec.Cmd
	url   string
	stdin interface{ Close() error }
}

// Start runs a floor server over the nodes at addrs, with GOMAXPROCS=procs unless procs
// is 0, and waits until it listens.
func Start(ctx context.Context, addrs []string, procs int) (*Proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), envNodes+"="+strings.Join(addrs, ","))
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("floor server did not start: %w", err)
	}
	p.url = strings.TrimSpace(line)
	return p, nil
}

// URL is the server's base URL.
func (p *Proc) URL() string { return p.url }

// Pid is the server's process id, for its CPU time.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Close stops the server and waits for it, killing it if it has not exited within
// closeGrace.
func (p *Proc) Close() error {
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(closeGrace):
		p.cmd.Process.Kill()
		<-done
		return fmt.Errorf("floor server: still running %v after its stdin closed; killed", closeGrace)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("floor server: %w", err)
	}
	return err
}
