package embedredis

import (
	"fmt"
	"sync"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// A Server is one in-process Redis server (miniredis) on loopback that publishes
// keyspace notifications; see the package doc.
type Server struct {
	m *miniredis.Miniredis

	mu    sync.Mutex
	flags string                  // notify-keyspace-events, as CONFIG SET left it
	own   map[*server.Peer]bool   // peers whose command the hook is running itself
	multi map[*server.Peer]*multi // clients that used MULTI
}

// Start starts a Server listening on addr ("127.0.0.1:0" picks a free port). Its keys
// expire by the wall clock, as on Redis; [Server.Advance] moves them on faster.
// Close it when done.
func Start(addr string) (*Server, error) {
	m := miniredis.NewMiniRedis()
	// Real Redis expires keys by the wall clock; miniredis only on request.
	m.ClockTTL(true)
	if err := m.StartAddr(addr); err != nil {
		return nil, err
	}
	s := &Server{m: m, own: map[*server.Peer]bool{}, multi: map[*server.Peer]*multi{}}
	if err := m.Server().Register("CONFIG", s.config); err != nil {
		m.Close()
		return nil, fmt.Errorf("embedredis: %w", err)
	}
	m.Server().SetPreHook(s.hook)
	return s, nil
}

// Addr is the server's "host:port".
func (s *Server) Addr() string { return s.m.Addr() }

// Miniredis is the server underneath, for tests that inspect keys.
func (s *Server) Miniredis() *miniredis.Miniredis { return s.m }

// Close stops the server and drops its keys.
func (s *Server) Close() { s.m.Close() }
