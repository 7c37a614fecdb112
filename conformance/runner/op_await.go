package runner

import (
	"errors"
	"fmt"
	"time"

	"github.com/distlock/distlock/conformance/spec"
)

// awaitOp collects a background acquire within a bound.
type awaitOp struct {
	Lock   string         `yaml:"lock"`
	Within *spec.Duration `yaml:"within"`
	Expect *spec.Expect   `yaml:"expect"`
}

func (o *awaitOp) Check(sc *spec.Scope) error {
	if o.Lock == "" {
		return errors.New("missing lock")
	}
	if sc.State(o.Lock) != spec.Pending {
		return fmt.Errorf("lock %s is not a pending background acquire", o.Lock)
	}
	if err := o.Expect.Check(sc, spec.ExpectFencing); err != nil {
		return err
	}
	sc.Set(o.Lock, spec.Held)
	if o.Expect.Fails() {
		sc.Set(o.Lock, spec.Failed)
	}
	return nil
}

func (o *awaitOp) Caps() []string { return nil }

func (o *awaitOp) run(r *caseRun) error {
	p := r.pending[o.Lock]
	within := o.Within.Or(defaultAwait)
	select {
	case <-p.done:
	case <-time.After(within):
		return fmt.Errorf("background acquire of %s did not finish within %v", o.Lock, within)
	}
	if p.err != nil {
		return p.err
	}
	return r.grant(o.Lock, p.client, p.url, o.Expect, p.rep)
}
