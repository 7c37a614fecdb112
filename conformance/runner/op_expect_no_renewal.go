package runner

import (
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
)

// expectNoRenewalOp requires that no Extend of the released lock was sent since its
// release.
type expectNoRenewalOp struct {
	lockRef `yaml:",inline"`
}

func (o *expectNoRenewalOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *expectNoRenewalOp) run(r *caseRun) error {
	l := r.locks[o.Lock]
	if l.releasedAt == nil {
		return fmt.Errorf("%s was not released", o.Lock)
	}
	if now := r.board.get(r.renewKey(o.Lock, true)); now != *l.releasedAt {
		return fmt.Errorf("%s was renewed %d time(s) after its release", o.Lock, now-*l.releasedAt)
	}
	return nil
}
