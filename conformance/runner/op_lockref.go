package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/spec"
)

// lockRef is the field of ops that act on one held lock.
type lockRef struct {
	Lock string `yaml:"lock"`
}

func (l *lockRef) Check(sc *spec.Scope) error {
	if l.Lock == "" {
		return errors.New("missing lock")
	}
	return sc.Held(l.Lock)
}

// nameTaken names the lock an op takes (acquire, hold, session-acquire) in the state
// later steps see: pending while it runs in the background, failed when its expect says
// so, held otherwise.
func nameTaken(sc *spec.Scope, lock string, background bool, expect *spec.Expect) error {
	st := spec.Held
	switch {
	case background:
		st = spec.Pending
	case expect.Fails():
		st = spec.Failed
	}
	return sc.Name(lock, st)
}
