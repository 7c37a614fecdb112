// Package redistest starts real redis-server processes on free loopback ports for
// tests: a small cluster of independent masters whose nodes can be killed and restarted
// without their data. Every process is stopped by t.Cleanup. The processes themselves
// are managed by internal/testproc, which the benchmark and the conformance runner use
// too; this package ties them to a test.
//
// When redis-server is not installed the test is skipped, unless the environment
// variable CI is set: then it fails, since CI installs it.
package redistest

import (
	"context"
	"os"
	"testing"

	"github.com/distlock/distlock/internal/testproc"
)

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string { return testproc.RedisServerPath() }

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

// CA is a throw-away certificate authority and the server certificate it issued for
// 127.0.0.1: Roots for a client's tls.Config.RootCAs, CertFile (PEM) e.g. for
// SSL_CERT_FILE.
type CA = testproc.CA

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
	return start(t, n, args, nil)
}

// StartTLS is Start with every node serving TLS only, on its port, with a certificate
// for the IP address 127.0.0.1 issued by a new CA (c.TLS). Clients are not asked for
// certificates.
func StartTLS(t testing.TB, n int, args ...string) *Cluster {
	t.Helper()
	ca, err := testproc.NewCA(t.TempDir())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return start(t, n, args, ca)
}

func start(t testing.TB, n int, args []string, ca *CA) *Cluster {
	t.Helper()
	bin := Require(t)
	c := &Cluster{TLS: ca}
	for range n {
		rn, err := testproc.StartRedis(context.Background(), testproc.RedisConfig{Binary: bin, Dir: t.TempDir(), Args: args, TLS: ca})
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		t.Cleanup(func() {
			if err := rn.Close(); err != nil {
				t.Errorf("redistest: %v", err)
			}
		})
		c.Nodes = append(c.Nodes, &Node{Addr: rn.Addr(), t: t, n: rn})
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

	t testing.TB
	n *testproc.RedisNode
}

// Kill stops the process with SIGKILL, as a crash would, and waits for it to exit. Until
// Restart, clients see a node that is down (the port stays taken, so that the node can
// come back on it). Kill does nothing when the node is not running.
func (n *Node) Kill() {
	// An error means the port could not be held; Restart then fails and says why.
	_ = n.n.Kill()
}

// Restart kills the node if it runs and starts it again on the same port without its
// data, as a restart without persistence does.
func (n *Node) Restart() {
	n.t.Helper()
	if err := n.n.Restart(context.Background()); err != nil {
		n.t.Fatalf("redistest: %v", err)
	}
}
