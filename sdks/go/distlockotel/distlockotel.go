// Package distlockotel makes the calls of a [distlock.Lessor] part of the caller's
// OpenTelemetry traces: each call gets a client span, and its W3C trace context (the
// traceparent header) goes to the service, whose spans of the call and of the Redis
// nodes it reached then join the caller's trace.
//
// It is a package of its own so that programs that do not trace do not compile
// OpenTelemetry in: package distlock does not import it.
package distlockotel

import (
	"fmt"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"go.opentelemetry.io/otel/propagation"

	"github.com/distlock/distlock/sdks/go/distlock"
)

// WithTracing returns the [distlock.Option] that traces every call through
// connectrpc.com/otelconnect's client interceptor. Defaults: the global
// TracerProvider and MeterProvider, and the W3C trace context propagator whatever
// the global propagator is (its default sends nothing); opts (otelconnect's, such as
// otelconnect.WithTracerProvider) come after the defaults and override them. The error
// is otelconnect's, for options it cannot apply.
func WithTracing(opts ...otelconnect.Option) (distlock.Option, error) {
	i, err := otelconnect.NewInterceptor(append([]otelconnect.Option{
		otelconnect.WithPropagator(propagation.TraceContext{}),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("distlockotel: %w", err)
	}
	return distlock.WithConnectOptions(connect.WithInterceptors(i)), nil
}
