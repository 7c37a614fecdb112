package runner

import (
	"fmt"
	"os"
	"strings"
)

// env is the world one target's cases run in: three Redis nodes (embedded miniredis, or
// real redis-server processes) and, for targets behind the service, a `distlock serve`
// over them. Each target gets its own env, so targets run in parallel without sharing
// keys.
type env struct {
	kind  string // "miniredis" or "redis-server"
	nodes []node
	down  []bool
	svc   *service
	// dirty records that a case killed or restarted a node, so the next case gets a
	// fresh service: the service's Redlock client remembers restarted nodes (and
	// distrusts them for the longest TTL), which must not leak into the next case.
	dirty bool
}

const nodeCount = 3

func newEnv(kind, redisServer, distlock, dir string, withService bool, log *os.File) (*env, error) {
	e := &env{kind: kind, down: make([]bool, nodeCount)}
	for range nodeCount {
		var n node
		var err error
		if kind == "redis-server" {
			n, err = newRealNode(redisServer)
		} else {
			n, err = newMiniNode()
		}
		if err != nil {
			e.close()
			return nil, err
		}
		e.nodes = append(e.nodes, n)
	}
	if withService {
		svc, err := startService(distlock, e.redisURL(), dir, log)
		if err != nil {
			e.close()
			return nil, err
		}
		e.svc = svc
	}
	return e, nil
}

// redisURL is the core service URL of the nodes.
func (e *env) redisURL() string {
	addrs := make([]string, len(e.nodes))
	for i, n := range e.nodes {
		addrs[i] = n.addr()
	}
	// Quarantine is off: every case starts on flushed nodes, which Redlock would otherwise
	// distrust for ten minutes as if they had lost their data.
	return "redis://" + strings.Join(addrs, ",") + "?quarantine=0"
}

// prepare brings every node back up, deletes every key and, after a case that touched the
// nodes, restarts the service.
func (e *env) prepare() error {
	for i, n := range e.nodes {
		if e.down[i] {
			if err := n.restart(); err != nil {
				return err
			}
			e.down[i] = false
		}
		if err := n.flush(); err != nil {
			return fmt.Errorf("flush node %d: %w", i, err)
		}
	}
	if e.dirty && e.svc != nil {
		e.svc.stop()
		if err := e.svc.start(); err != nil {
			return err
		}
	}
	e.dirty = false
	return nil
}

func (e *env) kill(i int) error {
	e.dirty = true
	e.down[i] = true
	return e.nodes[i].kill()
}

func (e *env) restartNode(i int) error {
	e.dirty = true
	e.down[i] = false
	return e.nodes[i].restart()
}

func (e *env) close() {
	if e.svc != nil {
		e.svc.stop()
	}
	for _, n := range e.nodes {
		n.close()
	}
}
