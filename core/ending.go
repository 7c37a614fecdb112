package core

import "sync"

// ending is how a [Lock] ends, whoever renews it (a [Hold], a [Session]): the reason,
// recorded once, then Lost closed and onEnd run.
type ending struct {
	lost    chan struct{}
	onEnd   func()
	endOnce sync.Once
	mu      sync.Mutex
	reason  error // why the lock ended; set once, before lost is closed
}

func newEnding(onEnd func()) *ending {
	return &ending{lost: make(chan struct{}), onEnd: onEnd}
}

// end records why the lock ended, closes Lost and runs onEnd, once.
func (e *ending) end(reason error) {
	e.endOnce.Do(func() {
		e.mu.Lock()
		e.reason = reason
		e.mu.Unlock()
		close(e.lost)
		if e.onEnd != nil {
			e.onEnd()
		}
	})
}

// err is [Lock.Err]: nil while the lock lasts, then why it ended.
func (e *ending) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reason
}
