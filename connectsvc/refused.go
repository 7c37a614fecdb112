package connectsvc

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// Requests refused before the handler.
//
// connect answers some requests itself, before any interceptor runs: a body it cannot
// decode (malformed JSON or protobuf, an unknown field), one over the read limit, a
// content type or HTTP method the procedure does not take, an unknown procedure. Such a
// request is no call of [Service.observe]'s, so watchRefusals logs and counts it here:
// it puts each request's recorder in its context, observe (and markStreams, for Hold and
// Watch) marks the requests it sees, and a request still unmarked when connect is done with it was refused before the
// handler. The cost: three allocations per call (the recorder, the context value and
// the request's shallow copy), within the noise of the handler benchmark's ns/op.

// handledKey is the context key of a request's *refusalRecorder, which holds its mark.
type handledKey struct{}

// markHandled notes that observe saw the call of ctx.
func markHandled(ctx context.Context) {
	if r, ok := ctx.Value(handledKey{}).(*refusalRecorder); ok {
		r.handled = true
	}
}

// refusedMaxBody bounds how much of an error body is kept to read its message.
const refusedMaxBody = 1024

// refusalKinds are the reason label values of distlock_requests_refused_total.
var refusalKinds = []string{"malformed", "too_large", "unsupported_media_type", "method_not_allowed", "not_found", "other"}

// refusedCounter is distlock_requests_refused_total, every reason's series at 0.
func refusedCounter() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "distlock_requests_refused_total",
		Help: "LockService requests answered before reaching the handler, by reason: malformed (undecodable body), too_large (over the read limit), unsupported_media_type, method_not_allowed, not_found (unknown procedure), other.",
	}, []string{"reason"})
	for _, r := range refusalKinds {
		c.WithLabelValues(r)
	}
	return c
}

// watchRefusals wraps the LockService's handler to log and count the requests it
// refuses before the handler.
func (s *Service) watchRefusals(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &refusalRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), handledKey{}, rec)))
		if !rec.handled {
			s.refused(r, rec)
		}
	})
}

// refused logs and counts one request refused before the handler.
func (s *Service) refused(r *http.Request, rec *refusalRecorder) {
	code, msg := rec.outcome()
	reason := refusalKind(rec.status(), code)
	s.metrics.refused.WithLabelValues(reason).Inc()
	s.cfg.logger.InfoContext(r.Context(), "request refused before the handler",
		"reason", reason, "code", code, "error", msg, "status", rec.status(),
		"http_method", r.Method, "path", r.URL.Path, "content_type", r.Header.Get("Content-Type"),
		"content_length", r.ContentLength, "peer", r.RemoteAddr)
}

// refusalKind is the metric's bounded reason for an answer's HTTP status and code.
func refusalKind(status int, code string) string {
	switch {
	case status == http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case status == http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case status == http.StatusNotFound, code == connect.CodeUnimplemented.String():
		return "not_found"
	case code == connect.CodeResourceExhausted.String():
		return "too_large"
	case code == connect.CodeInvalidArgument.String():
		return "malformed"
	}
	return "other"
}

// refusalRecorder passes a response through and keeps its status and the start of an
// error body, to tell why a request was refused; handled is observe's mark.
type refusalRecorder struct {
	http.ResponseWriter
	handled bool
	code    int
	body    []byte
}

func (r *refusalRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *refusalRecorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.code >= 400 && len(r.body) < refusedMaxBody {
		r.body = append(r.body, p[:min(len(p), refusedMaxBody-len(r.body))]...)
	}
	return r.ResponseWriter.Write(p)
}

// Flush and Unwrap keep what connect needs of the ResponseWriter: streaming responses
// flush, and http.ResponseController reaches the connection's deadlines.
func (r *refusalRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *refusalRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *refusalRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// outcome returns the RPC code and message of the answer: a gRPC status from the
// headers or trailers, else a Connect error body, else nothing ("", "").
func (r *refusalRecorder) outcome() (code, msg string) {
	h := r.Header()
	status := h.Get("Grpc-Status")
	if status == "" {
		status = h.Get(http.TrailerPrefix + "Grpc-Status")
	}
	if status != "" {
		n, _ := strconv.Atoi(status)
		msg = h.Get("Grpc-Message")
		if msg == "" {
			msg = h.Get(http.TrailerPrefix + "Grpc-Message")
		}
		return connect.Code(n).String(), msg
	}
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		var e struct{ Code, Message string }
		if json.Unmarshal(r.body, &e) == nil {
			return e.Code, e.Message
		}
	}
	return "", strings.TrimSpace(string(r.body))
}

// markStreams marks the streaming calls (Hold, Watch) that reach their handler: observe,
// a unary interceptor, does not see them. A stream's request is decoded inside its
// handler, so an undecodable one is its handler's to answer, not a refusal here.
type markStreams struct{}

func (markStreams) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (markStreams) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (markStreams) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		markHandled(ctx)
		return next(ctx, conn)
	}
}
