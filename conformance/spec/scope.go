package spec

import "fmt"

// LockState is what a case has done with a lock name so far.
type LockState int

// Lock states, in the order a lock goes through them.
const (
	// Unnamed: no step has named the lock.
	Unnamed LockState = iota
	// Pending: a background acquire named it and no await collected it yet.
	Pending
	// Held: an acquire (or await) granted it, so later steps may act on it.
	Held
	// Failed: an acquire named it and must fail, so nothing may refer to it.
	Failed
)

// Scope is what the steps before the one being checked have established.
type Scope struct {
	// RealRedis: the case also runs on redis-server, whose clock cannot be moved.
	RealRedis bool
	locks     map[string]LockState
	watches   map[string]bool
	sessions  map[string]bool
}

// NameSession records a session opened by a step; a name is given once per case.
func (s *Scope) NameSession(session string) error {
	if s.sessions[session] {
		return fmt.Errorf("session %s is already defined", session)
	}
	if s.sessions == nil {
		s.sessions = map[string]bool{}
	}
	s.sessions[session] = true
	return nil
}

// Session checks that a step opened the session before this one.
func (s *Scope) Session(session string) error {
	if !s.sessions[session] {
		return fmt.Errorf("session %s is not opened before this step", session)
	}
	return nil
}

// NameWatch records a watch opened by a step; a name is given once per case.
func (s *Scope) NameWatch(watch string) error {
	if s.watches[watch] {
		return fmt.Errorf("watch %s is already defined", watch)
	}
	if s.watches == nil {
		s.watches = map[string]bool{}
	}
	s.watches[watch] = true
	return nil
}

// Watch checks that a step opened the watch before this one.
func (s *Scope) Watch(watch string) error {
	if !s.watches[watch] {
		return fmt.Errorf("watch %s is not opened before this step", watch)
	}
	return nil
}

// State returns the lock's state.
func (s *Scope) State(lock string) LockState { return s.locks[lock] }

// Name records a lock named by an acquire; a name is given once per case.
func (s *Scope) Name(lock string, st LockState) error {
	if s.locks[lock] != Unnamed {
		return fmt.Errorf("lock %s is already defined", lock)
	}
	s.locks[lock] = st
	return nil
}

// Set moves a named lock to st (an await makes a pending lock held).
func (s *Scope) Set(lock string, st LockState) { s.locks[lock] = st }

// Held checks that each lock was granted before this step.
func (s *Scope) Held(locks ...string) error {
	for _, l := range locks {
		if s.locks[l] != Held {
			return fmt.Errorf("lock %s is not acquired (and awaited) before this step", l)
		}
	}
	return nil
}
