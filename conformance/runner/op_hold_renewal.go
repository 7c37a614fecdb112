package runner

import (
	"github.com/distlock/distlock/conformance/protocol"
)

// holdRenewalOp keeps the lock's client's Extends in the proxy, unanswered, until
// resume-renewal (or the caller gives up).
type holdRenewalOp struct {
	lockRef `yaml:",inline"`
}

func (o *holdRenewalOp) Caps() []string { return []string{protocol.CapRenewal, protocol.CapProxy} }

func (o *holdRenewalOp) run(r *caseRun) error {
	l := r.locks[o.Lock]
	p, err := r.proxyOf("", o.Lock)
	if err != nil {
		return err
	}
	l.heldAt = r.board.get(callKey("Extend", l.client, "held"))
	p.rules.set("Extend", func(ru *rule) { ru.hold = true })
	return nil
}
