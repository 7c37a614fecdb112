package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// healCallsOp drops every proxy rule of a client (or of a lock's client): its calls pass
// again, and held ones go on.
type healCallsOp struct {
	Client string `yaml:"client"`
	Lock   string `yaml:"lock"`
}

func (o *healCallsOp) Check(sc *spec.Scope) error {
	if (o.Client == "") == (o.Lock == "") {
		return errors.New("give one of client and lock")
	}
	if o.Lock != "" {
		return sc.Held(o.Lock)
	}
	return nil
}

func (o *healCallsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *healCallsOp) run(r *caseRun) error {
	p, err := r.proxyOf(o.Client, o.Lock)
	if err != nil {
		return err
	}
	p.rules.clear()
	return nil
}
