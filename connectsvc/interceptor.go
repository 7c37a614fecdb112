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
			resource := ""
			if r, ok := req.Any().(interface{ GetResource() string }); ok {
				resource = r.GetResource()
			}
			s.record(ctx, mc, req, resource, err, start)
			return resp, err
		}
	}
}

// record counts one call of mc's method and logs it: a unary call, or one call of a
// Batch (req is then the Batch's, and extra names the call's index). resource, if not
// empty, is logged.
func (s *Service) record(ctx context.Context, mc *methodCounters, req connect.AnyRequest, resource string, err error, start time.Time, extra ...slog.Attr) {
	mc.requests.of(err).Inc()
	mc.leases.count(err)
	s.logRPC(ctx, mc.method, err, start, req.Peer(), req.HTTPMethod(), func(attrs []slog.Attr) []slog.Attr {
		if resource != "" {
			attrs = append(attrs, slog.String("resource", resource))
		}
		return append(attrs, extra...)
	})
}

// logRPC writes the "rpc" line of a call of method, at the level of its outcome; more
// adds the attributes of the kind of call, and is only run when the line is logged.
func (s *Service) logRPC(ctx context.Context, method string, err error, start time.Time, peer connect.Peer, httpMethod string, more func([]slog.Attr) []slog.Attr) {
	level := logLevel(err)
	if !s.cfg.logger.Enabled(ctx, level) {
		return
	}
	attrs := more([]slog.Attr{
		slog.String("method", method),
		slog.String("code", codeName(err)),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("protocol", peer.Protocol),
		slog.String("http_method", httpMethod),
		slog.String("peer", peer.Addr),
	})
	if why, ok := refusalReason(err); ok {
		attrs = append(attrs, slog.String("reason", why))
	}
	s.cfg.logger.LogAttrs(ctx, level, "rpc", attrs...)
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
	return s.panicked(ctx, path.Base(spec.Procedure), p)
}

// panicked logs a recovered panic of method with its stack and returns the internal
// error the caller gets instead.
func (s *Service) panicked(ctx context.Context, method string, p any) error {
	s.cfg.logger.ErrorContext(ctx, "panic in handler", "method", method,
		"panic", slog.AnyValue(p).String(), "stack", string(debug.Stack()))
	return connect.NewError(connect.CodeInternal, errors.New(msgInternal))
}
