package runner

import (
	"errors"
	"fmt"
	"time"

	"github.com/distlock/distlock/conformance/spec"
)

// expectPendingOp requires a background acquire to be still waiting after For.
type expectPendingOp struct {
	Lock string         `yaml:"lock"`
	For  *spec.Duration `yaml:"for"`
}

func (o *expectPendingOp) Check(sc *spec.Scope) error {
	switch {
	case o.Lock == "":
		return errors.New("missing lock")
	case o.For == nil:
		return errors.New("missing for")
	case sc.State(o.Lock) != spec.Pending:
		return fmt.Errorf("lock %s is not a pending background acquire", o.Lock)
	}
	return nil
}

func (o *expectPendingOp) Caps() []string { return nil }

func (o *expectPendingOp) run(r *caseRun) error {
	p := r.pending[o.Lock]
	select {
	case <-p.done:
		return fmt.Errorf("acquire of %s finished (%s) while the lock was held by another; it should still wait", o.Lock, describe(p.rep, p.err))
	case <-time.After(o.For.Duration):
		return nil
	}
}
