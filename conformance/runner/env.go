package runner

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/distlock/distlock/conformance/protocol"
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

	mu sync.Mutex
	// proxies stand between each named client and the service. They live as long as
	// the env, so their ports are not freed and taken by another target's proxy while
	// a client of this target may still dial them.
	proxies map[string]*proxy
	board   *board // the running case's
	// external is the service's URL when the runner did not start it (--service), and
	// header what the proxies add to each call to it.
	external string
	header   http.Header

	// The auth service: a second `distlock serve` over the same nodes, with --auth and
	// a generated file, started on the first case that needs it. While auth is set (a
	// case needing the auth capability runs) the proxies send calls to it instead.
	distlock, dir string
	log           *os.File
	creds         *credentials
	authSvc       *service
	auth          bool
}

const nodeCount = 3

func newEnv(kind, redisServer, distlock, dir string, withService bool, log *os.File) (*env, error) {
	e := &env{kind: kind, down: make([]bool, nodeCount), proxies: map[string]*proxy{}, board: newBoard(),
		distlock: distlock, dir: dir, log: log}
	for i := range nodeCount {
		var n node
		var err error
		if kind == "redis-server" {
			n, err = newRealNode(redisServer, filepath.Join(dir, fmt.Sprintf("node%d", i)))
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
		svc, err := startService(distlock, e.redisURL(), log)
		if err != nil {
			e.close()
			return nil, err
		}
		e.svc = svc
	}
	return e, nil
}

// newExternalEnv is the world of a service the runner did not start: no nodes, no
// clock, only the proxies in front of it.
func newExternalEnv(url string, header http.Header) *env {
	return &env{kind: "external", proxies: map[string]*proxy{}, board: newBoard(), external: url, header: header}
}

// caps are the capabilities the environment grants a target reaching it via via.
func (e *env) caps(via string) []string {
	var caps []string
	if via == "service" {
		caps = append(caps, protocol.CapService, protocol.CapProxy)
		if e.external == "" {
			caps = append(caps, protocol.CapAuth)
		}
	}
	if e.external == "" {
		caps = append(caps, protocol.CapNodes)
	}
	switch e.kind {
	case "miniredis":
		caps = append(caps, protocol.CapTime)
	case "redis-server":
		caps = append(caps, protocol.CapNotify)
	}
	return caps
}

// upstream is where the proxies send calls.
func (e *env) upstream() string {
	if e.external != "" {
		return e.external
	}
	e.mu.Lock()
	svc := e.svc
	if e.auth {
		svc = e.authSvc
	}
	e.mu.Unlock()
	return svc.baseURL()
}

// redisURL is the core service URL of the nodes.
func (e *env) redisURL() string {
	addrs := make([]string, len(e.nodes))
	for i, n := range e.nodes {
		addrs[i] = n.addr()
	}
	// Quarantine is off: every case starts on flushed nodes, which Redlock would otherwise
	// distrust for ten minutes as if they had lost their data. The per-node timeout is
	// raised from its default (TTL/100, at least 50 ms) because on a loaded 2-core
	// machine a node sometimes answers later than that, which would turn a pass into a
	// spurious unavailable; no case depends on the timeout's value.
	return "redis://" + strings.Join(addrs, ",") + "?quarantine=0&node_timeout=500ms"
}

// prepare brings every node back up, deletes every key and, after a case that touched the
// nodes, restarts the service. With auth, the case's calls go to the auth service,
// started now if this is the first case that needs it.
func (e *env) prepare(auth bool) error {
	if err := e.useAuth(auth); err != nil {
		return err
	}
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
	for _, svc := range []*service{e.svc, e.authSvc} {
		if e.dirty && svc != nil {
			svc.stop()
			if err := svc.start(); err != nil {
				return err
			}
		}
	}
	e.dirty = false
	return nil
}

// setBoard makes the proxies count on b (the new case's board) and drops the rules a
// previous case set.
func (e *env) setBoard(b *board) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.board = b
	for _, p := range e.proxies {
		p.rules.clear()
	}
}

func (e *env) note(key string) {
	e.mu.Lock()
	b := e.board
	e.mu.Unlock()
	b.add(key)
}

// proxy returns the proxy of the named client, starting it on first use.
func (e *env) proxy(client string) (*proxy, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.proxies[client]; ok {
		return p, nil
	}
	p, err := startProxy(client, e.upstream, e.header, e.note)
	if err != nil {
		return nil, err
	}
	e.proxies[client] = p
	return p, nil
}

func (e *env) kill(i int) error {
	e.dirty = true
	e.down[i] = true
	return e.nodes[i].kill()
}

// restartNode restarts node i. A node that failed to come back stays marked down, so the
// next case's prepare tries again instead of every later case failing on a dead node.
func (e *env) restartNode(i int) error {
	e.dirty = true
	err := e.nodes[i].restart()
	e.down[i] = err != nil
	return err
}

func (e *env) close() {
	for _, p := range e.proxies {
		p.close()
	}
	for _, svc := range []*service{e.svc, e.authSvc} {
		if svc != nil {
			svc.stop()
		}
	}
	for _, n := range e.nodes {
		n.close()
	}
}

// useAuth sends the proxies' calls to the auth service (auth) or the open one.
func (e *env) useAuth(auth bool) error {
	if auth && e.authSvc == nil {
		creds, err := newCredentials(e.dir)
		if err != nil {
			return fmt.Errorf("auth file: %w", err)
		}
		svc, err := startService(e.distlock, e.redisURL(), e.log, "--auth", creds.file)
		if err != nil {
			return err
		}
		e.creds, e.authSvc = creds, svc
	}
	e.mu.Lock()
	e.auth = auth
	e.mu.Unlock()
	return nil
}
