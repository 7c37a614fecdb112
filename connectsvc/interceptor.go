package connectsvc

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
)

// observe counts and logs every call that reaches a handler. Outcomes a client expects
// (granted, not acquired, not held) log at debug, bad input at info, failures of the
// lock service at warn; internal errors are logged with their cause by [Service.fail].
// A call refused for its input or its caller logs why (see [refusalReason]).
// Only fields named here are logged: never a lease token, never a whole message.
func (s *Service) observe() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		// connect wraps each procedure's handler on its own, so the procedure's method
		// name and counters are resolved at its first call and kept for the rest.
		var counters atomic.Pointer[methodCounters]
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			markHandled(ctx)
			start := time.Now()
			resp, err := next(ctx, req)
			mc := counters.Load()
			if mc == nil {
				mc = s.metrics.methodCounters(req.Spec().Procedure)
				counters.Store(mc)
			}
			mc.requests.of(err).Inc()
			mc.leases.count(err)
			level := logLevel(err)
			if !s.cfg.logger.Enabled(ctx, level) {
				return resp, err
			}
			attrs := []slog.Attr{
				slog.String("method", mc.method),
				slog.String("code", codeName(err)),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("protocol", req.Peer().Protocol),
				slog.String("http_method", req.HTTPMethod()),
				slog.String("peer", req.Peer().Addr),
			}
			if r, ok := req.Any().(interface{ GetResource() string }); ok {
				attrs = append(attrs, slog.String("resource", r.GetResource()))
			}
			if why, ok := refusalReason(err); ok {
				attrs = append(attrs, slog.String("reason", why))
			}
			s.cfg.logger.LogAttrs(ctx, level, "rpc", attrs...)
			return resp, err
		}
	}
}

func codeName(err error) string {
	if err == nil {
		return "ok"
	}
	return connect.CodeOf(err).String()
}

func logLevel(err error) slog.Level {
	if err == nil {
		return slog.LevelDebug
	}
	switch connect.CodeOf(err) {
	case connect.CodeAborted, connect.CodeNotFound, connect.CodeCanceled, connect.CodeDeadlineExceeded:
		return slog.LevelDebug
	case connect.CodeInvalidArgument, connect.CodeResourceExhausted:
		return slog.LevelInfo
	case connect.CodeUnavailable, connect.CodeInternal, connect.CodeUnknown:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// recoverPanic turns a panic in a handler into internal, so that no panic crosses the
// RPC boundary or takes the process down. The panic and its stack are logged, not sent.
// It does not count the call: connect runs it inside [Service.observe], which counts the
// internal error it returns.
func (s *Service) recoverPanic(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
	method := path.Base(spec.Procedure)
	s.cfg.logger.ErrorContext(ctx, "panic in handler", "method", method,
		"panic", slog.AnyValue(p).String(), "stack", string(debug.Stack()))
	return connect.NewError(connect.CodeInternal, errors.New(msgInternal))
}
