package distlock_test

import (
	"errors"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// TestProtocols runs one lock's life over each protocol the service speaks, configured
// as the README says: options for the Connect client, and for gRPC over cleartext an
// HTTP client that speaks HTTP/2 without TLS (h2c).
func TestProtocols(t *testing.T) {
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(h2c.CloseIdleConnections)
	tests := map[string][]distlock.Option{
		"connect+proto": nil,
		"connect+json":  {distlock.WithConnectOptions(connect.WithProtoJSON())},
		"grpc":          {distlock.WithConnectOptions(connect.WithGRPC()), distlock.WithHTTPClient(&http.Client{Transport: h2c})},
		"grpc-web":      {distlock.WithConnectOptions(connect.WithGRPCWeb())},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			l := newLessor(t, serverURL, opts...)
			ctx := t.Context()
			r := resource(t)
			lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Owner: name})
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			if info, err := l.Info(ctx, r); err != nil || info.Owner != name || info.FencingToken != lease.Fence {
				t.Errorf("Info = %+v, %v; want owner %s, fence %d", info, err, name, lease.Fence)
			}
			if _, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl}); !errors.Is(err, core.ErrAcquireTimeout) {
				t.Errorf("second Acquire: err = %v, want ErrAcquireTimeout", err)
			}
			if err := l.Release(ctx, lease); err != nil {
				t.Errorf("Release: %v", err)
			}
		})
	}
}
