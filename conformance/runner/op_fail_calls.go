package runner

import (
	"errors"
	"fmt"
	"slices"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// failCallsOp makes the proxy answer a client's calls of an RPC with an error code,
// for the next Count calls or (Count 0) until heal-calls.
type failCallsOp struct {
	callsRef `yaml:",inline"`
	Code     string `yaml:"code"`
	Count    int    `yaml:"count"`
}

func (o *failCallsOp) Check(sc *spec.Scope) error {
	if _, ok := httpStatus[o.Code]; !ok || o.Code == "ok" || !slices.Contains(spec.Codes, o.Code) {
		return fmt.Errorf("code %q: use an error code the service sends", o.Code)
	}
	if o.Count < 0 {
		return errors.New("lengths and counts cannot be negative")
	}
	return o.callsRef.Check(sc)
}

func (o *failCallsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *failCallsOp) run(r *caseRun) error {
	p, err := o.proxy(r)
	if err != nil {
		return err
	}
	p.rules.set(o.rpc(), func(ru *rule) { ru.fail, ru.failLeft = o.Code, o.Count })
	return nil
}
