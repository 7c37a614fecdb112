package runner

import (
	"sync"
	"time"
)

// rule is what a proxy does to one RPC's calls (by method name: "Acquire", "Extend").
type rule struct {
	// fail, when set, is the code the proxy answers with instead of passing the call on.
	fail string
	// failLeft, when above 0, limits fail to that many more calls.
	failLeft int
	// hold keeps calls in the proxy until the rule is cleared or their caller gives up,
	// as a service that never answers.
	hold     bool
	released chan struct{} // closed when hold ends
	// capWait, when above 0, lowers the wait an Acquire asks for to at most this, as a
	// server configured with a shorter --max-wait would.
	capWait time.Duration
	// stall keeps the responses of streaming calls, open ones included, from reaching the
	// client until the rule is cleared or the client gives up: a connection that went dead
	// without a reset, which delivers nothing and reports nothing.
	stall     bool
	unstalled chan struct{} // closed when stall ends
}

// rules are a proxy's rules by method; the zero value passes every call on.
type rules struct {
	mu sync.Mutex
	m  map[string]*rule
}

// set changes the method's rule with f.
func (rs *rules) set(method string, f func(*rule)) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m == nil {
		rs.m = map[string]*rule{}
	}
	ru := rs.m[method]
	if ru == nil {
		ru = &rule{}
		rs.m[method] = ru
	}
	wasHeld, wasStalled := ru.hold, ru.stall
	f(ru)
	switch {
	case ru.hold && !wasHeld:
		ru.released = make(chan struct{})
	case !ru.hold && wasHeld:
		close(ru.released)
	}
	switch {
	case ru.stall && !wasStalled:
		ru.unstalled = make(chan struct{})
	case !ru.stall && wasStalled:
		close(ru.unstalled)
	}
}

// clear drops every rule, releasing held calls.
func (rs *rules) clear() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, ru := range rs.m {
		if ru.hold {
			close(ru.released)
		}
		if ru.stall {
			close(ru.unstalled)
		}
	}
	rs.m = nil
}

// decision is what to do with one call, taken when it arrives.
type decision struct {
	fail    string
	hold    <-chan struct{}
	capWait time.Duration
}

func (rs *rules) decide(method string) decision {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	ru := rs.m[method]
	if ru == nil {
		return decision{}
	}
	d := decision{fail: ru.fail, capWait: ru.capWait}
	if ru.hold {
		d.hold = ru.released
	}
	if ru.fail != "" && ru.failLeft > 0 {
		ru.failLeft--
		if ru.failLeft == 0 {
			ru.fail = ""
		}
	}
	return d
}

// stalled returns, while the method's streams are stalled, a channel closed when they
// are not any more; nil when they pass.
func (rs *rules) stalled(method string) <-chan struct{} {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if ru := rs.m[method]; ru != nil && ru.stall {
		return ru.unstalled
	}
	return nil
}
