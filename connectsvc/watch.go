package connectsvc

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

const msgNoWatch = "this server's lock backend cannot watch"

// Watch streams the state and changes of a resource or a prefix; see the proto for the
// rules. The backend's feed bounds what a slow watcher costs: this handler holds one
// event at a time.
func (s *Service) Watch(ctx context.Context, req *connect.Request[distlockv1.WatchRequest], stream *connect.ServerStream[distlockv1.WatchResponse]) error {
	sel := driver.Selector{Name: req.Msg.GetResource(), Prefix: req.Msg.GetPrefix()}
	if err := sel.Validate(); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err := s.authorize(ctx, VerbRead, watchSubject(sel)); err != nil {
		return err
	}
	w, ok := s.lessor.(driver.Watcher)
	if !ok {
		return connect.NewError(connect.CodeUnimplemented, errors.New(msgNoWatch))
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.streams.graceOver():
			cancel(errDraining)
		case <-ctx.Done():
		}
	}()
	feed, err := w.Watch(ctx, sel, s.cfg.watchBufferOr())
	if errors.Is(err, errors.ErrUnsupported) {
		// The backend could watch but its servers are not set up for it: say so here,
		// where an operator reads it, and tell the caller what it can act on.
		s.cfg.logger.ErrorContext(ctx, "watch is not available", "error", err.Error())
		return connect.NewError(connect.CodeUnimplemented, errors.New(msgNoWatch))
	}
	if err != nil {
		return s.fail(ctx, "Watch", err, msgNotFound)
	}
	defer feed.Close()
	for {
		ev, err := feed.Next(ctx)
		if err != nil {
			if errors.Is(context.Cause(ctx), errDraining) {
				return errDrainedStream()
			}
			return s.fail(ctx, "Watch", err, msgNotFound)
		}
		if err := stream.Send(WatchResponseOf(ev)); err != nil {
			return err
		}
	}
}

// WatchResponseOf is the wire form of a watch event, as Watch sends it (the CLI prints
// events the Go SDK decoded in this form).
func WatchResponseOf(ev driver.WatchEvent) *distlockv1.WatchResponse {
	return &distlockv1.WatchResponse{
		Kind:     distlockv1.WatchResponse_Kind(ev.Kind),
		Resource: ev.Resource,
		Holder:   holder(ev.Holder),
		Previous: holder(ev.Previous),
	}
}

// holder is the wire form of a holder; nil for none.
func holder(info driver.Info) *distlockv1.Holder {
	if info.FencingToken == 0 {
		return nil
	}
	return &distlockv1.Holder{
		Owner:        info.Owner,
		LockTime:     timestamppb.New(info.LockTime),
		ExpireTime:   timestamppb.New(info.ExpireTime),
		FencingToken: info.FencingToken,
	}
}

// watchSubject is the resource name the guard is asked about for a watch. A prefix
// watch sees every name that starts with the prefix, so it must be allowed only by a
// rule that allows all of them: the prefix followed by a NUL byte is such a name. No
// real resource ends so, an exact rule for the prefix itself does not match it, and a
// rule for a name prefix matches it only if it is a prefix of the watched prefix.
func watchSubject(sel driver.Selector) string {
	if sel.Prefix {
		return sel.Name + "\x00"
	}
	return sel.Name
}
