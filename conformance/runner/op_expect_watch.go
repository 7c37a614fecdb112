package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// watchKinds are the kinds of watch events a case may expect: the service's, "ended"
// (the watch ended with an error) and "hand_over" (see watchMatch.one).
var watchKinds = []string{"current", "synced", "granted", "extended", "released", "expired", "handed_over", "resync",
	"ended", "hand_over"}

// watchLog is what one watch reported; next is the first event no expect-watch took.
type watchLog struct {
	events []*pb.WatchEvent
	next   int
}

// wantWatchEvent is one expected event.
type wantWatchEvent struct {
	Kind     string `yaml:"kind"`
	Resource string `yaml:"resource"`
	// Owner is the holder's owner label; Fencing names the lock whose fencing token the
	// holder has; Previous names the lock whose holder left.
	Owner    *string `yaml:"owner"`
	Fencing  string  `yaml:"fencing"`
	Previous string  `yaml:"previous"`
	// Code, for ended, is the error's code.
	Code string `yaml:"code"`
	// AfterBacklog lets any events come before this one: what the service sent before
	// the watcher fell behind, whose number depends on buffers, not on the rules.
	AfterBacklog bool `yaml:"after_backlog"`
}

// expectWatchOp requires a watch's next events, within a bound, to be Events in order.
// `extended` events are skipped unless one is expected at that place: renewals (the
// SDKs' own, at TTL/3) and Redlock's confirmation of a grant's fencing token come when
// they come, and no case of this suite is about their timing.
type expectWatchOp struct {
	Watch  string           `yaml:"watch"`
	Events []wantWatchEvent `yaml:"events"`
	Within *spec.Duration   `yaml:"within"`
}

func (o *expectWatchOp) Check(sc *spec.Scope) error {
	if len(o.Events) == 0 {
		return errors.New("missing events")
	}
	if o.Within == nil {
		return errors.New("missing within")
	}
	for i, e := range o.Events {
		if !slices.Contains(watchKinds, e.Kind) {
			return fmt.Errorf("event %d: kind %q: use one of %s", i+1, e.Kind, strings.Join(watchKinds, ", "))
		}
		if e.AfterBacklog && e.Kind == "hand_over" {
			return fmt.Errorf("event %d: after_backlog needs one event's kind, not hand_over", i+1)
		}
		if e.Code != "" && e.Kind != "ended" {
			return fmt.Errorf("event %d: code goes with kind ended", i+1)
		}
		for _, l := range []string{e.Fencing, e.Previous} {
			if l != "" {
				if err := sc.Held(l); err != nil {
					return fmt.Errorf("event %d: %w", i+1, err)
				}
			}
		}
	}
	return sc.Watch(o.Watch)
}

func (o *expectWatchOp) Caps() []string { return nil }

func (o *expectWatchOp) run(r *caseRun) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.Within.Duration)
	defer cancel()
	for {
		seen := r.board.get("watch:" + o.Watch)
		done, err := r.matchWatch(o.Watch, o.Events)
		if done || err != nil {
			return err
		}
		if r.board.await(ctx, "watch:"+o.Watch, seen+1) != nil {
			return fmt.Errorf("watch %s: want %s within %v; got %s", o.Watch, describeWants(o.Events),
				o.Within.Duration, r.describeWatch(o.Watch))
		}
	}
}

// matchWatch compares the watch's untaken events with want: done when all matched (and
// then taken), an error at the first mismatch, neither while events are missing.
func (r *caseRun) matchWatch(watch string, want []wantWatchEvent) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.watches[watch]
	if w == nil {
		return false, nil
	}
	m := watchMatch{r: r, evs: w.events, i: w.next}
	for k, e := range want {
		ok, err := m.one(e)
		if err != nil {
			return false, fmt.Errorf("watch %s, expected event %d: %w (events since the last check: %s)",
				watch, k+1, err, describeEvents(w.events[w.next:]))
		}
		if !ok {
			return false, nil
		}
	}
	w.next = m.i
	return true, nil
}

// watchMatch walks a watch's events.
type watchMatch struct {
	r   *caseRun
	evs []*pb.WatchEvent
	i   int
}

// next returns the next event not skipped, or nil while it has not come.
func (m *watchMatch) next(want string) *pb.WatchEvent {
	for m.i < len(m.evs) && m.evs[m.i].GetKind() == "extended" && want != "extended" {
		m.i++
	}
	if m.i == len(m.evs) {
		return nil
	}
	m.i++
	return m.evs[m.i-1]
}

// one matches one expected event: false while events are missing. A hand_over is one
// handed_over event, or released then granted: the proto calls a change of holder
// handed_over only when the backend saw no free moment between, which is a race.
func (m *watchMatch) one(e wantWatchEvent) (bool, error) {
	if e.AfterBacklog {
		for m.i < len(m.evs) && m.evs[m.i].GetKind() != e.Kind {
			m.i++
		}
	}
	got := m.next(e.Kind)
	if got == nil {
		return false, nil
	}
	if e.Kind != "hand_over" {
		return m.check(e, got)
	}
	if got.GetKind() == "handed_over" {
		return m.check(wantWatchEvent{Kind: "handed_over", Resource: e.Resource, Owner: e.Owner,
			Fencing: e.Fencing, Previous: e.Previous}, got)
	}
	if ok, err := m.check(wantWatchEvent{Kind: "released", Resource: e.Resource, Previous: e.Previous}, got); !ok || err != nil {
		return ok, err
	}
	if got = m.next("granted"); got == nil {
		return false, nil
	}
	return m.check(wantWatchEvent{Kind: "granted", Resource: e.Resource, Owner: e.Owner, Fencing: e.Fencing}, got)
}

// check compares one event. A holder's fencing token lower than expected may be
// Redlock's first answer, which it corrects upwards in a second round trip: an
// extended event with the expected token must then follow at once.
func (m *watchMatch) check(want wantWatchEvent, got *pb.WatchEvent) (bool, error) {
	if err := m.r.checkWatchEvent(want, got); err != nil {
		return false, err
	}
	l := want.Fencing
	if l == "" || got.GetHolder().GetFencingToken() == m.r.locks[l].fencing {
		return true, nil
	}
	if got.GetHolder().GetFencingToken() > m.r.locks[l].fencing {
		return false, fmt.Errorf("%s with holder's fencing token %d, want %s's %d", got.GetKind(), got.GetHolder().GetFencingToken(), l, m.r.locks[l].fencing)
	}
	for ; m.i < len(m.evs) && m.evs[m.i].GetKind() == "extended"; m.i++ {
		if m.evs[m.i].GetResource() == got.GetResource() && m.evs[m.i].GetHolder().GetFencingToken() == m.r.locks[l].fencing {
			m.i++
			return true, nil
		}
	}
	if m.i < len(m.evs) {
		return false, fmt.Errorf("%s with holder's fencing token %d, want %s's %d (no correction followed)", got.GetKind(), got.GetHolder().GetFencingToken(), l, m.r.locks[l].fencing)
	}
	return false, nil // the correction may be on its way
}

// checkWatchEvent compares all but the holder's fencing token (see watchMatch.check).
func (r *caseRun) checkWatchEvent(want wantWatchEvent, got *pb.WatchEvent) error {
	switch {
	case got.GetKind() != want.Kind:
		return fmt.Errorf("got %s, want %s", describeEvents([]*pb.WatchEvent{got}), want.Kind)
	case want.Resource != "" && got.GetResource() != want.Resource:
		return fmt.Errorf("%s of %q, want of %q", got.GetKind(), got.GetResource(), want.Resource)
	case want.Owner != nil && got.GetHolder().GetOwner() != *want.Owner:
		return fmt.Errorf("%s with holder %q, want %q", got.GetKind(), got.GetHolder().GetOwner(), *want.Owner)
	case want.Code != "" && got.GetError().GetCode() != want.Code:
		return fmt.Errorf("ended with %s: %s, want %s", got.GetError().GetCode(), got.GetError().GetMessage(), want.Code)
	}
	if l := want.Previous; l != "" && got.GetPrevious().GetFencingToken() != r.locks[l].fencing {
		return fmt.Errorf("%s with previous holder's fencing token %d, want %s's %d", got.GetKind(), got.GetPrevious().GetFencingToken(), l, r.locks[l].fencing)
	}
	return nil
}

func (r *caseRun) describeWatch(watch string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.watches[watch]
	if w == nil {
		return "no event at all"
	}
	return describeEvents(w.events[w.next:])
}

func describeWants(want []wantWatchEvent) string {
	kinds := make([]string, len(want))
	for i, e := range want {
		kinds[i] = e.Kind
	}
	return strings.Join(kinds, ", ")
}

// describedEvents is how many events a failure's message spells out, first and last:
// a backlog of thousands (watch-resync) would bury the message.
const describedEvents = 20

// describeEvents spells events for a failure's message: kind, resource, holder.
func describeEvents(evs []*pb.WatchEvent) string {
	if len(evs) == 0 {
		return "none"
	}
	if n := len(evs); n > 2*describedEvents {
		head, tail := describeEvents(evs[:describedEvents]), describeEvents(evs[n-describedEvents:])
		return fmt.Sprintf("%s; … %d more …; %s", strings.TrimSuffix(head, "]"), n-2*describedEvents, strings.TrimPrefix(tail, "["))
	}
	parts := make([]string, len(evs))
	for i, e := range evs {
		s := e.GetKind()
		if e.GetResource() != "" {
			s += " " + e.GetResource()
		}
		if h := e.GetHolder(); h != nil {
			s += fmt.Sprintf(" holder %q #%d", h.GetOwner(), h.GetFencingToken())
		}
		if p := e.GetPrevious(); p != nil {
			s += fmt.Sprintf(" previous %q #%d", p.GetOwner(), p.GetFencingToken())
		}
		if e.GetError() != nil {
			s += " " + e.GetError().GetCode() + ": " + e.GetError().GetMessage()
		}
		parts[i] = s
	}
	return "[" + strings.Join(parts, "; ") + "]"
}
