package runner

import (
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// awaitHeldRenewalOp waits until a renewal of the lock is held in the proxy.
type awaitHeldRenewalOp struct {
	lockRef `yaml:",inline"`
	Within  *spec.Duration `yaml:"within"`
}

func (o *awaitHeldRenewalOp) Caps() []string { return []string{protocol.CapRenewal, protocol.CapProxy} }

func (o *awaitHeldRenewalOp) run(r *caseRun) error {
	l := r.locks[o.Lock]
	within := o.Within.Or(defaultRenewal)
	if err := r.awaitCount(callKey("Extend", l.client, "held"), l.heldAt, 1, within); err != nil {
		return fmt.Errorf("no renewal of %s reached the proxy within %v", o.Lock, within)
	}
	return nil
}
