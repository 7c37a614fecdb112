package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/internal/embedredis"
)

// embeddedNodes is how many in-process Redis servers the development default starts:
// three, so that quorum logic runs as it does in production.
const embeddedNodes = 3

// startEmbedded starts embeddedNodes in-process Redis servers (miniredis) on loopback and
// runs Redlock over them. It is the development default of `distlock serve` with no Redis
// given, and it says so loudly: the locks live in this process's memory only. The
// servers publish keyspace notifications (package embedredis), so Watch works here on
// Redlock's own code path, as over redis-server. onStart, when set, is handed the
// servers (tests move their clocks).
func startEmbedded(h hooks, onStart func([]*embedredis.Server)) (*backend, error) {
	b := &backend{}
	addrs := make([]string, 0, embeddedNodes)
	nodes := make([]*embedredis.Server, 0, embeddedNodes)
	for range embeddedNodes {
		node, err := embedredis.Start("127.0.0.1:0")
		if err != nil {
			closeAll(b.closers)
			return nil, fmt.Errorf("starting an embedded Redis server: %w", err)
		}
		b.closers = append(b.closers, func() error { node.Close(); return nil })
		addrs = append(addrs, node.Addr())
		nodes = append(nodes, node)
	}
	if onStart != nil {
		onStart(nodes)
	}
	// Fresh servers have lost nothing, so there is nothing to quarantine them for.
	l, err := redlock.New(addrs, append(h.redlockOptions(), redlock.WithQuarantine(0))...)
	if err != nil {
		closeAll(b.closers)
		return nil, fmt.Errorf("redlock over the embedded Redis servers: %w", err)
	}
	b.lessor = l
	b.describe = "embedded redis://" + strings.Join(addrs, ",")
	h.logger.Warn("DEVELOPMENT DEFAULT: no --redis given, so Redlock runs over "+
		fmt.Sprint(embeddedNodes)+" embedded in-process Redis servers. Every lock is lost when "+
		"this process exits and replicas do not share locks. Not for production: pass "+
		"--redis redis://h1:6379,h2:6379,h3:6379.", "nodes", addrs)
	return b, nil
}

func closeAll(closers []func() error) error {
	errs := make([]error, 0, len(closers))
	for _, c := range closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
