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
