package tracing_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"github.com/alicebob/miniredis/v2"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/internal/tracing"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlockotel"
)

// A caller's W3C trace context, as any SDK's interceptor sends it.
const (
	callerTrace    = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan     = "00f067aa0ba902b7"
	callerTraceCtx = "00-" + callerTrace + "-" + callerSpan + "-01"
)

// traced is a lock service over three Redis nodes, the third one down, whose spans go
// to an in-memory recorder.
type traced struct {
	rec    *tracetest.SpanRecorder
	ended  chan sdktrace.ReadOnlySpan
	client distlockv1connect.LockServiceClient
	url    string
	up     []string // the addresses of the nodes up
	down   string
}

// endNotifier tells a test of each span that ends, so that it awaits a span instead of
// sleeping.
type endNotifier struct {
	sdktrace.SpanProcessor
	ch chan sdktrace.ReadOnlySpan
}

func (n endNotifier) OnEnd(s sdktrace.ReadOnlySpan) { n.ch <- s }

func newTraced(t *testing.T) *traced {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	ended := make(chan sdktrace.ReadOnlySpan, 1024)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
		sdktrace.WithSpanProcessor(endNotifier{SpanProcessor: tracetest.NewSpanRecorder(), ch: ended}))
	tr := tracing.New(tp)

	nodes := []*miniredis.Miniredis{miniredis.RunT(t), miniredis.RunT(t), miniredis.RunT(t)}
	addrs := []string{nodes[0].Addr(), nodes[1].Addr(), nodes[2].Addr()}
	nodes[2].Close()
	lessor, err := redlock.New(addrs, redlock.WithQuarantine(0), redlock.WithNodeTracer(tr.NodeTracer()))
	if err != nil {
		t.Fatal(err)
	}
	interceptors, err := tr.Interceptors()
	if err != nil {
		t.Fatal(err)
	}
	svc := connectsvc.New(lessor, connectsvc.WithInterceptors(interceptors...))
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		srv.Close()
		svc.Drain()
		_ = lessor.Close()
	})
	return &traced{rec: rec, ended: ended, up: addrs[:2], down: addrs[2], url: srv.URL,
		client: distlockv1connect.NewLockServiceClient(srv.Client(), srv.URL)}
}

// await returns the first span named name to end, failing the test after a minute.
func (tt *traced) await(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case s := <-tt.ended:
			if s.Name() == name {
				return s
			}
		case <-timeout:
			t.Fatalf("no span %q ended; ended: %v", name, names(tt.rec.Ended()))
		}
	}
}

// children returns the ended spans whose parent is span.
func (tt *traced) children(span sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tt.rec.Ended() {
		if s.Parent().SpanID() == span.SpanContext().SpanID() {
			out = append(out, s)
		}
	}
	return out
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// checkNodeSpans checks that span has one "redis acquire" child per node, with the
// node's address and its outcome: ok for the nodes up, error for the node down.
func (tt *traced) checkNodeSpans(t *testing.T, span sdktrace.ReadOnlySpan) {
	t.Helper()
	outcomes := map[string]string{}
	for _, c := range tt.children(span) {
		if c.Name() != "redis acquire" {
			continue
		}
		if c.SpanKind() != trace.SpanKindClient || attr(c, "db.system.name") != "redis" {
			t.Errorf("node span kind %v, db.system.name %q", c.SpanKind(), attr(c, "db.system.name"))
		}
		outcomes[attr(c, "server.address")+":"+attr(c, "server.port")] = attr(c, tracing.AttrOutcome)
	}
	want := map[string]string{tt.up[0]: "ok", tt.up[1]: "ok", tt.down: "error"}
	if len(outcomes) != len(want) {
		t.Fatalf("node spans under %s: %v, want %v", span.Name(), outcomes, want)
	}
	for addr, o := range want {
		if outcomes[addr] != o {
			t.Errorf("node %s: outcome %q, want %q", addr, outcomes[addr], o)
		}
	}
}

// TestRPCSpanJoinsCallersTraceWithNodeSpans: a unary call carrying a traceparent header
// makes a server span in the caller's trace, child of the caller's span, with one child
// span per Redis node the fan-out reached.
func TestRPCSpanJoinsCallersTraceWithNodeSpans(t *testing.T) {
	tt := newTraced(t)
	req := connect.NewRequest(&distlockv1.AcquireRequest{Resource: t.Name()})
	req.Header().Set("traceparent", callerTraceCtx)
	if _, err := tt.client.Acquire(context.Background(), req); err != nil {
		t.Fatalf("acquire: %v", err)
	}
	span := tt.await(t, "distlock.v1.LockService/Acquire")
	if span.SpanKind() != trace.SpanKindServer {
		t.Errorf("RPC span kind %v", span.SpanKind())
	}
	if got := span.SpanContext().TraceID().String(); got != callerTrace {
		t.Errorf("RPC span trace id %s, want the caller's %s", got, callerTrace)
	}
	if got := span.Parent().SpanID().String(); got != callerSpan || !span.Parent().IsRemote() {
		t.Errorf("RPC span parent %s (remote %v), want the caller's span %s", got, span.Parent().IsRemote(), callerSpan)
	}
	tt.checkNodeSpans(t, span)
}

// TestGoSDKCallJoinsCallersTrace: the Go SDK with distlockotel.WithTracing carries the
// caller's trace to the service: the service's span is a child of the SDK's client span.
func TestGoSDKCallJoinsCallersTrace(t *testing.T) {
	tt := newTraced(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	opt, err := distlockotel.WithTracing(otelconnect.WithTracerProvider(tp), otelconnect.WithoutMetrics())
	if err != nil {
		t.Fatal(err)
	}
	l, err := distlock.New(tt.url, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, job := tp.Tracer("test").Start(context.Background(), "job")
	defer job.End()
	if _, err := l.Acquire(ctx, t.Name(), driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatalf("acquire: %v", err)
	}
	span := tt.await(t, "distlock.v1.LockService/Acquire")
	if span.SpanContext().TraceID() != job.SpanContext().TraceID() {
		t.Errorf("service span in trace %s, want the caller's %s", span.SpanContext().TraceID(), job.SpanContext().TraceID())
	}
	var sdkSpans []string
	for _, s := range rec.Ended() {
		if s.SpanContext().SpanID() == span.Parent().SpanID() {
			return
		}
		sdkSpans = append(sdkSpans, s.Name())
	}
	t.Errorf("the service span's parent %s is none of the SDK's spans %v", span.Parent().SpanID(), sdkSpans)
}

// TestStreamSpanHasNodeSpans: a Hold stream is one server span, covering the stream's
// life, with the Redis fan-out of its acquire below it.
func TestStreamSpanHasNodeSpans(t *testing.T) {
	tt := newTraced(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := connect.NewRequest(&distlockv1.HoldRequest{Resource: t.Name(), Ttl: durationpb.New(10 * time.Second)})
	req.Header().Set("traceparent", callerTraceCtx)
	stream, err := tt.client.Hold(ctx, req)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	if !stream.Receive() || stream.Msg().GetGranted() == nil {
		t.Fatalf("hold: first event %v, err %v", stream.Msg(), stream.Err())
	}
	cancel() // the client ends the stream: the server releases and the span ends
	_ = stream.Close()
	span := tt.await(t, "distlock.v1.LockService/Hold")
	if got := span.SpanContext().TraceID().String(); got != callerTrace {
		t.Errorf("stream span trace id %s, want the caller's %s", got, callerTrace)
	}
	tt.checkNodeSpans(t, span)
}

// TestOffMakesNoHooks: tracing off installs no interceptor and no node hook at all.
func TestOffMakesNoHooks(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tr, err := tracing.FromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i, err := tr.Interceptors()
	if tr.On() || err != nil || i != nil || tr.NodeTracer() != nil {
		t.Errorf("off: On %v, interceptors %v (%v), node tracer set %v", tr.On(), i, err, tr.NodeTracer() != nil)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown when off: %v", err)
	}
}

// TestUnsupportedProtocolIsRefused: a gRPC OTLP endpoint is an error at start, not a
// silent loss of every span.
func TestUnsupportedProtocolIsRefused(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	if _, err := tracing.FromEnv(context.Background()); err == nil {
		t.Error("OTEL_EXPORTER_OTLP_PROTOCOL=grpc was accepted")
	}
}
