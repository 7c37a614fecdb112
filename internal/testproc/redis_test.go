package testproc

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestRedisNodeKillRestartClose(t *testing.T) {
	requireRedis(t)
	ctx := context.Background()
	n, err := StartRedis(ctx, RedisConfig{})
	if err != nil {
		t.Fatal(err)
	}
	addr, dir := n.Addr(), n.cfg.Dir
	first := watchPid(t, n.Pid())
	if got, err := n.Do(ctx, "SET", "k", "v"); got != "+OK" {
		t.Fatalf("SET on a started node: %q, %v", got, err)
	}

	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	if !gone(first) || n.Pid() != 0 {
		t.Fatal("Kill returned before the process was reaped")
	}
	// The held port accepts and closes at once: a node that is down, not a refused dial
	// that would let another process take the port.
	if got, err := n.Do(ctx, "PING"); err == nil {
		t.Fatalf("PING to a killed node answered %q", got)
	}
	if err := n.Kill(); err != nil {
		t.Fatalf("Kill of a killed node: %v", err)
	}

	if err := n.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Addr() != addr {
		t.Fatalf("restarted on %s, was %s", n.Addr(), addr)
	}
	if got, err := n.Do(ctx, "GET", "k"); got != "$-1" {
		t.Fatalf("GET after a restart: %q, %v; want the data gone ($-1)", got, err)
	}
	second := watchPid(t, n.Pid())
	// Restart of a running node kills it first.
	if err := n.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if !gone(second) {
		t.Fatal("Restart of a running node left the old process")
	}
	third := watchPid(t, n.Pid())

	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !gone(third) {
		t.Fatal("Close returned before the process was reaped")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary data directory %s left: %v", dir, err)
	}
	noChildren(t)
}

func TestRedisNodeKeepsAGivenDir(t *testing.T) {
	requireRedis(t)
	dir := t.TempDir() + "/node"
	n, err := StartRedis(context.Background(), RedisConfig{Dir: dir, Args: []string{"--requirepass", "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := n.Do(context.Background(), "PING"); !strings.HasPrefix(got, "-NOAUTH") {
		t.Errorf("PING without the password of Args: %q, %v; want NOAUTH", got, err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Close removed a directory it did not make: %v", err)
	}
	noChildren(t)
}

func TestRedisNodeTLS(t *testing.T) {
	requireRedis(t)
	ca, err := NewCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n, err := StartRedis(context.Background(), RedisConfig{TLS: ca})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ctx := context.Background()
	if got, err := n.Do(ctx, "PING"); got != "+PONG" {
		t.Fatalf("PING over TLS verified by the CA: %q, %v", got, err)
	}
	if got, err := redisDo(ctx, n.Addr(), &tls.Config{MinVersion: tls.VersionTLS12}, "PING"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("PING over TLS without the CA: %q, %v; want a certificate error", got, err)
	}
	if got, err := redisDo(ctx, n.Addr(), nil, "PING"); err == nil {
		t.Fatalf("plain-text PING to a TLS-only node answered %q", got)
	}
	if err := n.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := n.Do(ctx, "PING"); got != "+PONG" {
		t.Fatalf("PING over TLS after a restart: %q, %v", got, err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	noChildren(t)
}

func TestRedisStartReportsWhyItFailed(t *testing.T) {
	requireRedis(t)
	_, err := StartRedis(context.Background(), RedisConfig{Args: []string{"--no-such-directive", "1"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-directive") {
		t.Fatalf("StartRedis with a bad argument: %v; want redis-server's complaint quoted", err)
	}
	noChildren(t)
}

func TestRedisStartTriesAnotherPortWhenOneIsTaken(t *testing.T) {
	requireRedis(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := bindFree
	t.Cleanup(func() { bindFree = free })
	calls := 0
	bindFree = func(bind func(string) error) (string, error) { // as if another process took the port just found
		calls++
		if err := bind(taken.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("redis-server on a taken port: %v, want EADDRINUSE", err)
		}
		return free(bind)
	}
	n, err := StartRedis(context.Background(), RedisConfig{})
	if err != nil {
		t.Fatalf("StartRedis when the first port is taken: %v", err)
	}
	defer n.Close()
	if calls != 1 || n.Addr() == taken.Addr().String() {
		t.Fatalf("started on %s; want another port than the taken one", n.Addr())
	}
}
