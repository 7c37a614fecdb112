package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// disconnectOp cuts a held lock's Hold stream in the client's proxy, as a client whose
// process died or whose connection reset: the proxy aborts the call towards the service
// and resets the client's side. The service must release the lock at once (see
// expect-released) and the SDK must report it lost, never silently.
type disconnectOp struct {
	lockRef `yaml:",inline"`
}

func (o *disconnectOp) Check(sc *spec.Scope) error { return o.lockRef.Check(sc) }

func (o *disconnectOp) Caps() []string {
	return []string{protocol.CapHold, protocol.CapProxy}
}

func (o *disconnectOp) run(r *caseRun) error {
	if _, ok := r.resources[o.Lock]; !ok {
		return errors.New("disconnect acts on a lock taken with hold")
	}
	p, err := r.proxyOf("", o.Lock)
	if err != nil {
		return err
	}
	if n := p.cutStreams("Hold"); n == 0 {
		return fmt.Errorf("no Hold stream of %s's client is open in its proxy", o.Lock)
	}
	return nil
}
