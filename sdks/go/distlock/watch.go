package distlock

import (
	"context"
	"errors"
	"iter"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Watch follows the resources sel names and yields their events: first the current
// state (a [driver.WatchCurrent] per held resource, then [driver.WatchSynced]), then
// each change, in order per resource. A [driver.WatchResync] means the service dropped
// events because this reader was too slow: forget what you know, a fresh state follows.
//
// The sequence runs until the loop stops, and otherwise ends with one non-nil error: ctx's
// error, [driver.ErrClosed] after Close, or the service's (matching
// [driver.ErrUnavailable] when it drains or cannot be reached; a backend that cannot
// watch answers unimplemented). Watch again to resume: the state comes first, so
// nothing is missed but the intermediate changes.
//
//	for ev, err := range l.Watch(ctx, driver.Selector{Name: "jobs/", Prefix: true}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(ev.Kind, ev.Resource, ev.Holder.Owner, ev.Holder.FencingToken)
//	}
func (l *Lessor) Watch(ctx context.Context, sel driver.Selector) iter.Seq2[driver.WatchEvent, error] {
	return func(yield func(driver.WatchEvent, error) bool) {
		if err := sel.Validate(); err != nil {
			yield(driver.WatchEvent{}, err)
			return
		}
		if l.life.Err() != nil {
			yield(driver.WatchEvent{}, driver.ErrClosed)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(l.life, cancel)
		defer stop()
		stream, err := l.rpc.Watch(ctx, connect.NewRequest(&distlockv1.WatchRequest{Resource: sel.Name, Prefix: sel.Prefix}))
		if err == nil {
			defer stream.Close()
			for stream.Receive() {
				if !yield(watchEvent(stream.Msg()), nil) {
					return
				}
			}
			err = stream.Err()
		}
		switch {
		case l.life.Err() != nil:
			err = driver.ErrClosed
		case ctx.Err() != nil:
			err = ctx.Err()
		case err == nil:
			err = fromService(connect.NewError(connect.CodeUnavailable, errors.New("the Watch stream ended")))
		default:
			err = fromService(err)
		}
		yield(driver.WatchEvent{}, err)
	}
}

func watchEvent(m *distlockv1.WatchResponse) driver.WatchEvent {
	return driver.WatchEvent{
		Kind:     driver.WatchKind(m.GetKind()),
		Resource: m.GetResource(),
		Holder:   holderInfo(m.GetHolder()),
		Previous: holderInfo(m.GetPrevious()),
	}
}

func holderInfo(h *distlockv1.Holder) driver.Info {
	if h == nil {
		return driver.Info{}
	}
	return driver.Info{
		Owner:        h.GetOwner(),
		LockTime:     h.GetLockTime().AsTime(),
		ExpireTime:   h.GetExpireTime().AsTime(),
		FencingToken: h.GetFencingToken(),
	}
}
