package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// awaitCallsOp waits until the proxy has seen Count more calls of an RPC from a client
// since the case began: proof that the SDK retried (or renewed) rather than gave up.
type awaitCallsOp struct {
	callsRef `yaml:",inline"`
	Count    int            `yaml:"count"`
	Within   *spec.Duration `yaml:"within"`
}

func (o *awaitCallsOp) Check(sc *spec.Scope) error {
	if o.Count < 1 {
		return errors.New("await-calls needs count >= 1")
	}
	return o.callsRef.Check(sc)
}

func (o *awaitCallsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *awaitCallsOp) run(r *caseRun) error {
	within := o.Within.Or(defaultRenewal)
	if err := r.awaitCount(callKey(o.rpc(), o.client(r), "sent"), 0, o.Count, within); err != nil {
		return fmt.Errorf("%s sent fewer than %d %s calls within %v", o.client(r), o.Count, o.Method, within)
	}
	return nil
}
