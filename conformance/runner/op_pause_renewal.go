package runner

import (
	"github.com/distlock/distlock/conformance/protocol"
)

// pauseRenewalOp makes a lock's renewals fail with unavailable (in the proxy, or in the
// adapter for targets without a service) until resume-renewal.
type pauseRenewalOp struct {
	lockRef `yaml:",inline"`
}

func (o *pauseRenewalOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *pauseRenewalOp) run(r *caseRun) error { return r.setRenewalPaused(o.Lock, true) }
