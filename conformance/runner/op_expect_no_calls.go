package runner

import (
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
)

// expectNoCallsOp requires that the proxy has seen no call of an RPC from a client since
// the case began (a session's locks are renewed by Batch, never by their own Extend).
type expectNoCallsOp struct {
	callsRef `yaml:",inline"`
}

func (o *expectNoCallsOp) Caps() []string { return []string{protocol.CapProxy} }

func (o *expectNoCallsOp) run(r *caseRun) error {
	if n := r.board.get(callKey(o.rpc(), o.client(r), "sent")); n > 0 {
		return fmt.Errorf("%s sent %d %s calls, want none", o.client(r), n, o.Method)
	}
	return nil
}
