package testproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/distlock/distlock/internal/porthold"
)

// RedisServerPath returns the path of redis-server on PATH, or "" when it is not
// installed.
func RedisServerPath() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// RedisConfig describes a redis-server node.
type RedisConfig struct {
	// Binary is the redis-server executable; empty: redis-server on PATH.
	Binary string
	// Dir is the node's working and data directory, created if missing; empty: a new
	// temporary directory, removed by Close. The node runs without persistence, so its
	// data does not survive a restart whichever it is.
	Dir string
	// Args are extra redis-server arguments, such as "--requirepass", "secret". They
	// must leave --loglevel at notice or below: the ready signal is a notice line.
	Args []string
	// TLS, if not nil, makes the node serve TLS only, on its port, with the server
	// certificate of this authority; clients are not asked for certificates.
	TLS *CA
}

// redisStopGrace bounds a node's shutdown on SIGTERM: without persistence it has
// nothing to write, so a node that takes longer is stuck.
const redisStopGrace = 5 * time.Second

// RedisNode is a redis-server process on a loopback port that stays its own across
// kills and restarts.
type RedisNode struct {
	cfg     RedisConfig
	addr    string
	tempDir bool // cfg.Dir was made by StartRedis, and Close removes it

	mu   sync.Mutex
	proc *Process         // nil while killed
	hold *porthold.Holder // keeps the port while killed
}

// StartRedis starts a node on a free loopback port and returns once it accepts
// connections.
func StartRedis(ctx context.Context, cfg RedisConfig) (*RedisNode, error) {
	n := &RedisNode{cfg: cfg}
	if n.cfg.Binary == "" {
		n.cfg.Binary = "redis-server"
	}
	if n.cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "testproc-redis-")
		if err != nil {
			return nil, err
		}
		n.cfg.Dir, n.tempDir = dir, true
	} else if err := os.MkdirAll(n.cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	// A port found free can be taken by another process before redis-server binds it:
	// then it exits saying so (launch: EADDRINUSE), and another port is tried.
	if _, err := bindFree(func(addr string) (err error) {
		n.addr = addr
		n.proc, err = n.launch(ctx)
		return err
	}); err != nil {
		return nil, errors.Join(err, n.removeTempDir())
	}
	return n, nil
}

// launch runs redis-server on n.addr; it reports ready with a log line of its own. A
// port in use is syscall.EADDRINUSE.
func (n *RedisNode) launch(ctx context.Context) (*Process, error) {
	_, port, _ := net.SplitHostPort(n.addr)
	listen := []string{"--port", port}
	if ca := n.cfg.TLS; ca != nil {
		listen = []string{"--port", "0", "--tls-port", port,
			"--tls-cert-file", ca.serverCert, "--tls-key-file", ca.serverKey,
			"--tls-ca-cert-file", ca.CertFile, "--tls-auth-clients", "no"}
	}
	p, err := Start(ctx, Spec{
		Name: "redis-server on " + n.addr,
		Path: n.cfg.Binary,
		Args: slices.Concat(listen, []string{"--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", n.cfg.Dir, "--protected-mode", "no",
			"--logfile", "", "--loglevel", "notice", "--daemonize", "no"}, n.cfg.Args),
		Dir:   n.cfg.Dir,
		Ready: func(line []byte) bool { return bytes.Contains(line, []byte("Ready to accept connections")) },
	})
	if err != nil && strings.Contains(err.Error(), "Address already in use") {
		// redis-server says so in its log; callers retry on the errno (porthold.Rebind).
		err = fmt.Errorf("%w: %w", syscall.EADDRINUSE, err)
	}
	return p, err
}

// Addr is the node's "127.0.0.1:port".
func (n *RedisNode) Addr() string { return n.addr }

// Pid is the process id of the running redis-server, 0 while the node is killed.
func (n *RedisNode) Pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return 0
	}
	return n.proc.Pid()
}

// Kill stops the process with SIGKILL, as a crash would, and waits for it to exit.
// Until Restart, the node's port is held by a listener that closes every connection at
// once, which clients see as a node that is down (see package porthold for why). Kill
// does nothing when the node is not running; its error says the port could not be held.
func (n *RedisNode) Kill() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return nil
	}
	n.proc.Kill()
	n.proc = nil
	var err error
	n.hold, err = porthold.Hold(n.addr)
	if err != nil {
		return fmt.Errorf("hold the port of killed redis-server %s: %w", n.addr, err)
	}
	return nil
}

// Restart kills the node if it runs and starts it again on the same port and directory,
// without its data, as a Redis without persistence comes back after a crash.
func (n *RedisNode) Restart(ctx context.Context) error {
	if err := n.Kill(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hold.Release()
	n.hold = nil
	var p *Process
	err := porthold.Rebind(func() (err error) {
		p, err = n.launch(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	n.proc = p
	return nil
}

// Close stops the node for good (SIGTERM, SIGKILL after a few seconds), frees its port
// and removes the directory StartRedis made for it. Its error says the node had to be
// killed or exited with a failure.
func (n *RedisNode) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var err error
	if n.proc != nil {
		err = n.proc.Stop(redisStopGrace)
		n.proc = nil
	}
	n.hold.Release()
	n.hold = nil
	return errors.Join(err, n.removeTempDir())
}

func (n *RedisNode) removeTempDir() error {
	if !n.tempDir {
		return nil
	}
	n.tempDir = false
	return os.RemoveAll(n.cfg.Dir)
}

// bindFree starts a node on a loopback port outside the ephemeral range, so that a
// restart on it cannot collide with an outgoing connection's local port
// (porthold.BindFree). A test replaces it.
var bindFree = porthold.BindFree
