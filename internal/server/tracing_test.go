package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// otlpReceiver is a loopback OTLP/HTTP endpoint that counts the trace exports it gets.
func otlpReceiver(t testing.TB) (url string, exports *atomic.Int64) {
	t.Helper()
	exports = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && len(body) > 0 {
			exports.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK) // an empty ExportTraceServiceResponse: all accepted
	}))
	t.Cleanup(srv.Close)
	return srv.URL, exports
}

// acquireOnce makes one traced call, then stops the server, which flushes its spans.
func acquireOnce(t *testing.T) *running {
	t.Helper()
	srv := startServer(t, "--lock-service", "memory://"+t.Name())
	c := distlockv1connect.NewLockServiceClient(http.DefaultClient, srv.url)
	if _, err := c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: t.Name()})); err != nil {
		t.Fatalf("acquire: %v", err)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
	return srv
}

// TestTracesExportedWhenEndpointSet: with OTEL_EXPORTER_OTLP_ENDPOINT set, the spans
// of the calls reach the OTLP endpoint, at the latest when the server shuts down.
func TestTracesExportedWhenEndpointSet(t *testing.T) {
	url, exports := otlpReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
	srv := acquireOnce(t)
	if exports.Load() == 0 {
		t.Errorf("no trace export reached %s", url)
	}
	if !strings.Contains(srv.logs.text(), `"tracing":true`) {
		t.Errorf("the start line does not say tracing is on:\n%s", srv.logs.text())
	}
}

// TestNoTracesWithoutEndpoint: without an endpoint (or with the SDK disabled) nothing
// is exported and the start line says tracing is off.
func TestNoTracesWithoutEndpoint(t *testing.T) {
	t.Run("unset", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
		if srv := acquireOnce(t); !strings.Contains(srv.logs.text(), `"tracing":false`) {
			t.Errorf("the start line does not say tracing is off:\n%s", srv.logs.text())
		}
	})
	t.Run("sdk disabled", func(t *testing.T) {
		url, exports := otlpReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
		t.Setenv("OTEL_SDK_DISABLED", "true")
		acquireOnce(t)
		if n := exports.Load(); n != 0 {
			t.Errorf("%d trace exports reached %s with OTEL_SDK_DISABLED=true", n, url)
		}
	})
}
