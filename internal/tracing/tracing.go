// Package tracing is the OpenTelemetry tracing of `distlock serve`: a span per RPC
// (unary and streaming, through connectrpc.com/otelconnect) and, below it, a span per
// Redis node each Redlock request reaches. It is off, at no cost, unless an OTLP endpoint
// is set in the environment; then spans are exported over OTLP/HTTP, configured by the
// standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// …_HEADERS, …_TIMEOUT, …_COMPRESSION, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER, OTEL_BSP_*; OTEL_SDK_DISABLED=true turns it off).
//
// A caller's W3C trace context (the traceparent header) is trusted: the RPC span joins
// the caller's trace, and the caller's sampling decision is followed (the default sampler
// is parentbased_always_on). The service sits behind authentication, and a caller that
// forces sampling costs only export volume; set OTEL_TRACES_SAMPLER to bound it.
package tracing

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// scope names the instrumentation in the spans it makes.
const scope = "github.com/distlock/distlock/internal/tracing"

// Tracing is the server's tracing. The zero value (and nil) is off.
type Tracing struct {
	provider trace.TracerProvider
	shutdown func(context.Context) error
}

// FromEnv returns the tracing the environment asks for: off when no OTLP endpoint is
// set, else an OTLP/HTTP exporter behind a batching span processor, which Shutdown
// flushes.
func FromEnv(ctx context.Context) (*Tracing, error) {
	if !wanted(os.Getenv) {
		return &Tracing{}, nil
	}
	for _, v := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := os.Getenv(v); p != "" && p != "http/protobuf" {
			return nil, fmt.Errorf("tracing: %s=%s is not supported: distlock exports OTLP over HTTP (http/protobuf)", v, p)
		}
		if os.Getenv(v) != "" {
			break // the traces-specific variable overrides the general one
		}
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// Later detectors win: the environment's service name overrides ours.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "distlock"),
			attribute.String("service.version", version())),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{provider: tp, shutdown: tp.Shutdown}, nil
}

// version is the main module's version, as the build recorded it.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// wanted reports whether the environment turns tracing on.
func wanted(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// New returns tracing that hands spans to tp, for tests (an in-memory recorder) and for
// programs that set up their own provider. Shutdown does not shut tp down.
func New(tp trace.TracerProvider) *Tracing { return &Tracing{provider: tp} }

// On reports whether spans are made.
func (t *Tracing) On() bool { return t != nil && t.provider != nil }

// Interceptors returns the Connect interceptors that make the RPC spans: none when off.
func (t *Tracing) Interceptors() ([]connect.Interceptor, error) {
	if !t.On() {
		return nil, nil
	}
	i, err := otelconnect.NewInterceptor(
		otelconnect.WithTracerProvider(t.provider),
		otelconnect.WithPropagator(propagation.TraceContext{}),
		otelconnect.WithTrustRemote(),
		// The service's own Prometheus metrics count the calls.
		otelconnect.WithoutMetrics(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	return []connect.Interceptor{i}, nil
}

// Shutdown flushes the spans not exported yet and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}
