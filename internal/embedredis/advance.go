package embedredis

import "time"

// Advance moves the server's keys d forward in time, as if d had passed: every key whose
// TTL runs out meanwhile expires now, and is announced "expired" when the flags ask for
// it (class x), as Redis does. It lets a test see an expiry without waiting for it.
//
// A key deleted by a client while Advance runs may be announced "expired" as well as
// "del": Advance is for tests that are not writing at the same moment.
func (s *Server) Advance(d time.Duration) {
	var due []string
	for _, k := range s.m.Keys() {
		if ttl := s.m.TTL(k); ttl > 0 && ttl <= d {
			due = append(due, k)
		}
	}
	s.m.FastForward(d)
	s.mu.Lock()
	on := announces(s.flags, 'x')
	s.mu.Unlock()
	if !on {
		return
	}
	for _, k := range due {
		if !s.m.Exists(k) {
			s.m.Publish(keyspaceChannel(k), "expired")
		}
	}
}
