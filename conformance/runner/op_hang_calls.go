package runner

import (
	"github.com/distlock/distlock/conformance/protocol"
)

// hangCallsOp keeps a client's calls of an RPC in the proxy, unanswered, until
// heal-calls or their caller gives up: a service that accepted the connection and never
// answers.
type hangCallsOp struct {
	callsRef `yaml:",inline"`
}

func (o *hangCallsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *hangCallsOp) run(r *caseRun) error {
	p, err := o.proxy(r)
	if err != nil {
		return err
	}
	p.rules.set(o.rpc(), func(ru *rule) { ru.hold = true })
	return nil
}
