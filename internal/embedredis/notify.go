package embedredis

import (
	"bufio"
	"io"

	"github.com/alicebob/miniredis/v2/server"
)

// An event is one keyspace notification: event on key.
type event struct{ key, name string }

// multi is a client's transaction state: whether it is inside MULTI, and the events
// its queued commands will announce at EXEC.
type multi struct {
	open bool
	evs  []event
}

// writes are the commands announced, with their class and Redis's event name; keys
// says whether every argument is a key (DEL k1 k2) or only the first.
var writes = map[string]struct {
	class byte
	name  string
	keys  bool
}{
	"SET":       {'$', "set", false},
	"DEL":       {'g', "del", true},
	"UNLINK":    {'g', "del", true},
	"EXPIRE":    {'g', "expire", false},
	"PEXPIRE":   {'g', "expire", false},
	"EXPIREAT":  {'g', "expire", false},
	"PEXPIREAT": {'g', "expire", false},
	"PERSIST":   {'g', "persist", false},
}

// hook runs before every command miniredis dispatches, those a Lua script calls
// included (each through a peer of its own). For a write it announces, it runs the
// command itself and then publishes, so that a subscriber that reads on the
// notification sees the write: inside a script the publish is part of the script, and
// miniredis holds its lock until the script ends, as Redis delivers a script's
// notifications after it. Inside MULTI the events wait for EXEC.
func (s *Server) hook(c *server.Peer, cmd string, args ...string) bool {
	s.mu.Lock()
	if s.own[c] {
		s.mu.Unlock()
		return false // the command the hook itself dispatched: run it as usual
	}
	evs := s.eventsLocked(cmd, args)
	tx := s.multi[c]
	switch {
	case cmd == "MULTI" && tx == nil:
		tx = &multi{}
		s.multi[c] = tx
		// A client that goes away leaves nothing behind.
		c.OnDisconnect(func() { s.mu.Lock(); delete(s.multi, c); s.mu.Unlock() })
		fallthrough
	case cmd == "MULTI":
		tx.open = true // a nested MULTI is an error that keeps the transaction
	case tx == nil || !tx.open:
	case cmd == "DISCARD":
		tx.open, tx.evs = false, nil
	case cmd == "EXEC":
		evs, tx.open, tx.evs = tx.evs, false, nil
	default:
		tx.evs = append(tx.evs, evs...)
		evs = nil
	}
	if len(evs) == 0 {
		s.mu.Unlock()
		return false
	}
	s.own[c] = true
	s.mu.Unlock()
	s.m.Server().Dispatch(c, append([]string{cmd}, args...))
	s.mu.Lock()
	delete(s.own, c)
	s.mu.Unlock()
	s.publish(c, evs)
	return true
}

// eventsLocked are the events a command announces under the current flags. The
// caller holds s.mu.
func (s *Server) eventsLocked(cmd string, args []string) []event {
	w, ok := writes[cmd]
	if !ok || len(args) == 0 || !announces(s.flags, w.class) {
		return nil
	}
	keys := args[:1]
	if w.keys {
		keys = args
	}
	evs := make([]event, 0, len(keys))
	for _, k := range keys {
		evs = append(evs, event{key: k, name: w.name})
	}
	return evs
}

// publish announces evs as the client c would PUBLISH them: from a peer that shares
// c's connection state, so that inside a script it runs under the script's lock (a
// plain miniredis Publish would wait for that lock forever) and elsewhere it takes the
// lock itself. Its replies are dropped.
func (s *Server) publish(c *server.Peer, evs []event) {
	p := server.NewPeer(bufio.NewWriter(io.Discard))
	p.Ctx = c.Ctx
	for _, ev := range evs {
		s.m.Server().Dispatch(p, []string{"PUBLISH", keyspaceChannel(ev.key), ev.name})
	}
}

// keyspaceChannel is the channel Redis announces key's events on, in database 0.
func keyspaceChannel(key string) string { return "__keyspace@0__:" + key }
