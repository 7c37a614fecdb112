// Package redisnodes starts and inspects the local redis-server processes a benchmark run
// measures against. It exists apart from core/redlock's test helper because a benchmark is
// a program, not a test: it has no testing.TB to hang cleanups on.
package redisnodes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binary is the redis-server executable Start runs.
var Binary = "redis-server"

// Nodes is a set of running redis-server processes on loopback ports.
type Nodes struct {
	addrs []string
	procs []proc
	admin []*redis.Client
}

// proc is one server process and the channel its exit status arrives on (a goroutine
// owns cmd.Wait, so the process is reaped even if it dies on its own).
type proc struct {
	cmd    *exec.Cmd
	exited chan error
}

// Start launches n redis-server processes without persistence, each on a free loopback
// port, and waits until each answers PING. On error it stops what it started.
func Start(ctx context.Context, n int) (*Nodes, error) {
	ns := &Nodes{}
	for range n {
		if err := ns.startOne(ctx); err != nil {
			return nil, errors.Join(err, ns.Close())
		}
	}
	return ns, nil
}

// startOne retries a few times because a free port found by listening can be taken by
// another process before redis-server binds it.
func (ns *Nodes) startOne(ctx context.Context) error {
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(Binary,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no",
			"--loglevel", "warning", "--protected-mode", "no")
		// The kernel kills the server if this process dies without calling Close, so a
		// crashed benchmark leaves no redis-server behind.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", Binary, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		admin := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 2})
		if err := waitReady(ctx, admin, exited); err != nil {
			_ = admin.Close()
			_ = cmd.Process.Kill()
			<-exited
			lastErr = fmt.Errorf("redis-server on %s: %w", addr, err)
			continue
		}
		ns.addrs = append(ns.addrs, addr)
		ns.procs = append(ns.procs, proc{cmd: cmd, exited: exited})
		ns.admin = append(ns.admin, admin)
		return nil
	}
	return lastErr
}

func waitReady(ctx context.Context, c *redis.Client, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := c.Ping(ctx).Err(); err == nil {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited early: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addrs returns the nodes' host:port addresses.
func (ns *Nodes) Addrs() []string { return append([]string(nil), ns.addrs...) }

// Admin returns a client for node i, for inspection between measurements.
func (ns *Nodes) Admin(i int) *redis.Client { return ns.admin[i] }

// Len returns the number of nodes.
func (ns *Nodes) Len() int { return len(ns.addrs) }

// Close stops every node and waits for each process to exit.
func (ns *Nodes) Close() error {
	var errs []error
	for i, p := range ns.procs {
		_ = ns.admin[i].Close()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			errs = append(errs, fmt.Errorf("redis-server %s ignored SIGTERM; killed", ns.addrs[i]))
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	ns.procs, ns.admin, ns.addrs = nil, nil, nil
	return errors.Join(errs...)
}
