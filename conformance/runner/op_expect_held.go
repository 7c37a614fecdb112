package runner

import (
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
)

// expectHeldOp requires that the lock has not been reported lost.
type expectHeldOp struct {
	lockRef `yaml:",inline"`
}

func (o *expectHeldOp) Caps() []string { return []string{protocol.CapRenewal} }

func (o *expectHeldOp) run(r *caseRun) error {
	if r.board.get("lost:"+o.Lock) > 0 {
		return fmt.Errorf("%s was reported lost", o.Lock)
	}
	return nil
}
