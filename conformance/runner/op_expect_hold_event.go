package runner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
)

// holdEvents are the events of a Hold stream that expect-hold-event waits for.
var holdEvents = []string{"waiting", "granted", "renewed", "lost"}

// expectHoldEventOp waits until the service has sent a client's Hold streams Count
// events of a kind in this case (counted in the client's proxy, which reads the stream
// as it passes): `waiting` naming the holder's Owner, `renewed`, `lost` with Reason (the
// HoldLost reason's name, "not_held", "unavailable", "server_shutdown"). What the SDK
// makes of them is checked by the ops on the lock (await, expect-held, expect-lost).
type expectHoldEventOp struct {
	Client string `yaml:"client"`
	Event  string `yaml:"event"`
	// Owner, for waiting, is the holder's owner label the event must give.
	Owner string `yaml:"owner"`
	// Reason, for lost, is the reason the event must give.
	Reason string `yaml:"reason"`
	// Count is how many such events (default 1).
	Count  int            `yaml:"count"`
	Within *spec.Duration `yaml:"within"`
}

func (o *expectHoldEventOp) Check(*spec.Scope) error {
	switch {
	case o.Client == "":
		return errors.New("missing client")
	case !slices.Contains(holdEvents, o.Event):
		return fmt.Errorf("event %q: use one of %s", o.Event, strings.Join(holdEvents, ", "))
	case o.Owner != "" && o.Event != "waiting":
		return errors.New("owner goes with event: waiting")
	case o.Reason != "" && o.Event != "lost":
		return errors.New("reason goes with event: lost")
	case o.Count < 0:
		return errors.New("count cannot be negative")
	case o.Within == nil:
		return errors.New("missing within")
	}
	return nil
}

func (o *expectHoldEventOp) Caps() []string {
	return []string{protocol.CapHold, protocol.CapProxy}
}

func (o *expectHoldEventOp) run(r *caseRun) error {
	detail := ""
	switch o.Event {
	case "waiting":
		detail = o.Owner
	case "lost":
		detail = o.Reason
	}
	key := holdEventKey(o.Client, o.Event, detail)
	n := max(o.Count, 1)
	if err := r.awaitCount(key, 0, n, o.Within.Duration); err != nil {
		return fmt.Errorf("%d Hold %s event(s) to %s not seen within %v (saw %d; all events: %s)",
			n, describeEvent(o.Event, detail), o.Client, o.Within.Duration, r.board.get(key), r.holdEventsSeen(o.Client))
	}
	return nil
}

func describeEvent(event, detail string) string {
	if detail == "" {
		return event
	}
	return event + " (" + detail + ")"
}

// holdEventsSeen lists the Hold events the client's proxy counted, for a failure's message.
func (r *caseRun) holdEventsSeen(client string) string {
	var seen []string
	for _, ev := range holdEvents {
		if n := r.board.get(holdEventKey(client, ev, "")); n > 0 {
			seen = append(seen, fmt.Sprintf("%s x%d", ev, n))
		}
	}
	if len(seen) == 0 {
		return "none"
	}
	return strings.Join(seen, ", ")
}
