package runner

import (
	"github.com/distlock/distlock/conformance/protocol"
)

// resumeRenewalOp undoes pause-renewal and hold-renewal.
type resumeRenewalOp struct {
	lockRef `yaml:",inline"`
}

func (o *resumeRenewalOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *resumeRenewalOp) run(r *caseRun) error { return r.setRenewalPaused(o.Lock, false) }
