package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// awaitRenewalOp waits for Count more successful renewals of the lock.
type awaitRenewalOp struct {
	lockRef `yaml:",inline"`
	Count   int            `yaml:"count"`
	Within  *spec.Duration `yaml:"within"`
}

func (o *awaitRenewalOp) Check(sc *spec.Scope) error {
	if o.Count < 1 {
		return errors.New("await-renewal needs count >= 1")
	}
	return o.lockRef.Check(sc)
}

func (o *awaitRenewalOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *awaitRenewalOp) run(r *caseRun) error {
	key := r.renewKey(o.Lock, false)
	within := o.Within.Or(defaultRenewal)
	if err := r.awaitCount(key, r.board.get(key), o.Count, within); err != nil {
		return fmt.Errorf("%d renewal(s) of %s not seen within %v", o.Count, o.Lock, within)
	}
	return nil
}
