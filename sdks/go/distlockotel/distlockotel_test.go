package distlockotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlockotel"
)

// releaseOnly answers Release and keeps the traceparent header it came with.
type releaseOnly struct {
	distlockv1connect.UnimplementedLockServiceHandler
	traceparent chan string
}

func (r releaseOnly) Release(_ context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	r.traceparent <- req.Header().Get("traceparent")
	return connect.NewResponse(&distlockv1.ReleaseResponse{}), nil
}

func serve(t *testing.T) (url string, traceparent chan string) {
	t.Helper()
	h := releaseOnly{traceparent: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.Handle(distlockv1connect.NewLockServiceHandler(h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, h.traceparent
}

// TestWithTracingSendsTraceContext: a call made within a span gets a client span of
// that trace, and the service receives the W3C traceparent naming it; without the
// option, no traceparent is sent.
func TestWithTracingSendsTraceContext(t *testing.T) {
	url, traceparent := serve(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	traced, err := distlockotel.WithTracing(otelconnect.WithTracerProvider(tp), otelconnect.WithoutMetrics())
	if err != nil {
		t.Fatal(err)
	}
	for _, tracing := range []bool{true, false} {
		var opts []distlock.Option
		if tracing {
			opts = append(opts, traced)
		}
		l, err := distlock.New(url, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, job := tp.Tracer("test").Start(context.Background(), "job")
		err = l.Release(ctx, driver.Lease{Resource: "r", Token: "t"})
		job.End()
		l.Close()
		if err != nil {
			t.Fatalf("release: %v", err)
		}
		got := <-traceparent
		if !tracing {
			if got != "" {
				t.Errorf("traceparent %q sent without WithTracing", got)
			}
			continue
		}
		var client sdktrace.ReadOnlySpan
		for _, s := range rec.Ended() {
			if s.Name() == "distlock.v1.LockService/Release" {
				client = s
			}
		}
		if client == nil {
			t.Fatalf("no client span for Release; %d spans ended", len(rec.Ended()))
		}
		want := "00-" + job.SpanContext().TraceID().String() + "-" + client.SpanContext().SpanID().String() + "-01"
		if got != want || client.Parent().SpanID() != job.SpanContext().SpanID() {
			t.Errorf("traceparent %q, want %q (the client span, child of the caller's)", got, want)
		}
	}
}
