package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/spec"
)

// compareOp requires Lock's fencing token to exceed GT's.
type compareOp struct {
	lockRef `yaml:",inline"`
	GT      string `yaml:"gt"`
}

func (o *compareOp) Check(sc *spec.Scope) error {
	if o.GT == "" {
		return errors.New("missing gt")
	}
	if err := o.lockRef.Check(sc); err != nil {
		return err
	}
	return sc.Held(o.GT)
}

func (o *compareOp) Caps() []string { return nil }

func (o *compareOp) run(r *caseRun) error {
	a, b := r.locks[o.Lock], r.locks[o.GT]
	if a.fencing <= b.fencing {
		return fmt.Errorf("fencing token of %s (%d) is not greater than that of %s (%d)", o.Lock, a.fencing, o.GT, b.fencing)
	}
	return nil
}
