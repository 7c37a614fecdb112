// Package redistest starts real redis-server processes on free loopback ports for
// tests: a small cluster of independent masters whose nodes can be killed and restarted
// without their data. Every process is stopped by t.Cleanup.
//
// When redis-server is not installed the test is skipped, unless the environment
// variable CI is set: then it fails, since CI installs it.
package redistest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/internal/porthold"
)

// startTimeout bounds how long a redis-server may take to accept connections.
const startTimeout = 10 * time.Second

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Require skips the test when redis-server is absent, or fails it when CI is set.
func Require(t testing.TB) string {
	t.Helper()
	p := Binary()
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed, and CI is set: .ci/run installs it")
		}
		t.Skip("redis-server is not installed")
	}
	return p
}

// Cluster is a set of independent Redis masters.
type Cluster struct {
	Nodes []*Node
	// TLS is the certificate authority the nodes' certificates chain to, when the
	// cluster was started by StartTLS; nil otherwise.
	TLS *CA
}

// Start starts n redis-server processes, each on its own free loopback port, and stops
// them when the test ends. args are extra redis-server arguments for every node, such
// as "--requirepass", "secret".
func Start(t testing.TB, n int, args ...string) *Cluster {
	t.Helper()
	bin := Require(t)
	c := &Cluster{}
	for range n {
		node := &Node{t: t, bin: bin, dir: t.TempDir(), args: args}
		node.start()
		t.Cleanup(node.stop)
		c.Nodes = append(c.Nodes, node)
	}
	return c
}

// Addrs returns the nodes' "host:port" addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// Node is one redis-server process.
type Node struct {
	// Addr is the node's "127.0.0.1:port"; it stays the same across restarts.
	Addr string

	t    testing.TB
	bin  string
	dir  string
	args []string
	// tls holds the redis-server arguments that serve TLS (certificate files); when set,
	// the node's port is its TLS port and it has no plain-text port.
	tls []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}    // closed when the process has exited
	hold *porthold.Holder // keeps the port while the node is killed
}

// start launches the process, on a new free port if Addr is empty, and returns once it
// accepts connections.
func (n *Node) start() {
	n.t.Helper()
	var lastErr error
	for range 5 { // a free port can be taken between choosing and binding it
		port := 0
		if n.Addr == "" {
			p, err := freePort()
			if err != nil {
				n.t.Fatalf("redistest: %v", err)
			}
			port = p
		} else {
			_, ps, _ := net.SplitHostPort(n.Addr)
			port, _ = strconv.Atoi(ps)
		}
		if lastErr = n.launch(port); lastErr == nil {
			n.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			return
		}
		if n.Addr != "" {
			break
		}
	}
	n.t.Fatalf("redistest: start redis-server: %v", lastErr)
}

func (n *Node) launch(port int) error {
	listen := []string{"--port", strconv.Itoa(port)}
	if n.tls != nil {
		listen = append([]string{"--port", "0", "--tls-port", strconv.Itoa(port)}, n.tls...)
	}
	cmd := exec.Command(n.bin, slices.Concat(listen, []string{"--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", n.dir,
		"--protected-mode", "no", "--logfile", "", "--daemonize", "no"}, n.args)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		// redis-server logs this line once it listens; anything else before exit is
		// the reason it failed.
		sc := bufio.NewScanner(out)
		var log []string
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Ready to accept connections") {
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
			log = append(log, line)
		}
		ready <- fmt.Errorf("redis-server exited: %s", strings.Join(log, "\n"))
	}()
	done := make(chan struct{})
	select {
	case err := <-ready:
		if err != nil {
			cmd.Wait()
			return err
		}
	case <-time.After(startTimeout):
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("redis-server on port %d not ready after %v", port, startTimeout)
	}
	go func() {
		cmd.Wait() // the exit status of a killed test server tells nothing
		close(done)
	}()
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	return nil
}

// Kill stops the process with SIGKILL, as a crash would, and waits for it to exit. Until
// Restart, the node's port is held by a listener that closes every connection at once,
// which clients see as a node that is down; without it, an outgoing connection (clients
// reconnecting to the dead node open many) could take the port as its local port and
// keep the node from coming back. Kill does nothing when the node is not running.
func (n *Node) Kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	n.cmd.Process.Kill()
	<-n.done
	n.cmd = nil
	n.hold, _ = porthold.Hold(n.Addr) // on failure the port is taken, and Restart says so
}

// Restart kills the node if it runs and starts it again on the same port without its
// data, as a restart without persistence does.
func (n *Node) Restart() {
	n.t.Helper()
	n.Kill()
	n.mu.Lock()
	n.hold.Release()
	n.hold = nil
	n.mu.Unlock()
	n.start()
}

// stop kills the node for good and frees its port.
func (n *Node) stop() {
	n.Kill()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hold.Release()
	n.hold = nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
