package runner

import (
	"errors"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// stallStreamsOp makes the proxy stop passing a client's streaming responses of an RPC
// (hold or watch), those already open included, without closing anything: the client
// gets no byte and no error, as over a connection that went dead without a reset, while
// the service goes on sending. heal-calls lets them pass again; a client that gives up
// on the call ends it towards the service too.
type stallStreamsOp struct {
	callsRef `yaml:",inline"`
}

func (o *stallStreamsOp) Check(sc *spec.Scope) error {
	if o.Method != "hold" && o.Method != "watch" {
		return errors.New("stall-streams acts on a streaming RPC: method hold or watch")
	}
	return o.callsRef.Check(sc)
}

func (o *stallStreamsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *stallStreamsOp) run(r *caseRun) error {
	p, err := o.proxy(r)
	if err != nil {
		return err
	}
	p.rules.set(o.rpc(), func(ru *rule) { ru.stall = true })
	return nil
}
