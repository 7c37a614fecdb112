package runner

import (
	"errors"
	"fmt"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// expectWaitingOp requires the SDK to have told its caller, within a bound, that a Hold
// taken in the background waits for another holder, naming that holder's owner: the
// progress report a user sees on a long wait (Go OnWaiting, Python on_waiting=, TS
// onWaiting). expect-hold-event checks that the service sent it; this, that the SDK
// passed it on.
type expectWaitingOp struct {
	Lock   string         `yaml:"lock"`
	Owner  string         `yaml:"owner"`
	Within *spec.Duration `yaml:"within"`
}

func (o *expectWaitingOp) Check(sc *spec.Scope) error {
	switch {
	case o.Lock == "":
		return errors.New("missing lock")
	case sc.State(o.Lock) != spec.Pending:
		return fmt.Errorf("lock %s is not a pending background hold", o.Lock)
	case o.Owner == "":
		return errors.New("missing owner (the holder the hold waits for)")
	case o.Within == nil:
		return errors.New("missing within")
	}
	return nil
}

func (o *expectWaitingOp) Caps() []string { return []string{protocol.CapHold} }

func (o *expectWaitingOp) run(r *caseRun) error {
	if err := r.awaitCount("waiting:"+o.Lock+":"+o.Owner, 0, 1, o.Within.Duration); err != nil {
		return fmt.Errorf("the SDK did not report %s waiting for %q within %v", o.Lock, o.Owner, o.Within.Duration)
	}
	return nil
}
