package testproc

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"
)

// redisDoTimeout bounds one command of [RedisNode.Do] when ctx has no earlier deadline.
const redisDoTimeout = 5 * time.Second

// Do sends one command to the node on a connection of its own (over TLS, trusting the
// node's CA, for a TLS node) and returns the first line of the reply, such as "+OK",
// "$-1" or "-ERR …": enough for the commands that set up and check a test, without a
// Redis client. The node must not require a password.
func (n *RedisNode) Do(ctx context.Context, args ...string) (string, error) {
	var conf *tls.Config
	if n.cfg.TLS != nil {
		conf = &tls.Config{RootCAs: n.cfg.TLS.Roots, MinVersion: tls.VersionTLS12}
	}
	return redisDo(ctx, n.addr, conf, args...)
}

// redisDo is [RedisNode.Do] to any address, over TLS with conf when it is not nil.
func redisDo(ctx context.Context, addr string, conf *tls.Config, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisDoTimeout)
	defer cancel()
	var c net.Conn
	var err error
	if conf != nil {
		c, err = (&tls.Dialer{Config: conf}).DialContext(ctx, "tcp", addr)
	} else {
		c, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return "", err
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	var req strings.Builder
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(req.String())); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}
