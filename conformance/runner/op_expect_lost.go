package runner

import (
	"errors"
	"fmt"
	"slices"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// expectLostOp requires the adapter to report the lock lost within a bound, and, with
// Reason, the SDK's reason for it to carry that code.
type expectLostOp struct {
	lockRef `yaml:",inline"`
	Within  *spec.Duration `yaml:"within"`
	Reason  string         `yaml:"reason"`
}

func (o *expectLostOp) Check(sc *spec.Scope) error {
	if o.Within == nil {
		return errors.New("missing within")
	}
	if o.Reason != "" && (o.Reason == "ok" || !slices.Contains(spec.Codes, o.Reason)) {
		return fmt.Errorf("reason %q: use an error code", o.Reason)
	}
	return o.lockRef.Check(sc)
}

func (o *expectLostOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *expectLostOp) run(r *caseRun) error {
	if err := r.awaitCount("lost:"+o.Lock, 0, 1, o.Within.Duration); err != nil {
		return fmt.Errorf("%s was not reported lost within %v", o.Lock, o.Within.Duration)
	}
	if o.Reason == "" {
		return nil
	}
	got := r.lostReason(o.Lock)
	if got.GetCode() != o.Reason {
		return fmt.Errorf("%s was lost with reason %q (%s), want %s", o.Lock, got.GetCode(), got.GetMessage(), o.Reason)
	}
	return nil
}
