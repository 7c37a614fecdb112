package connectsvc_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
)

// TestBatchDrain: a drain ends a batch's waiting Acquire with unavailable ("shutting
// down") while its other calls are answered, and the stream ends OK; a batch that
// arrives after the drain is refused whole with unavailable.
func TestBatchDrain(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.spy.Lessor.Acquire(ctx, "busy", driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatal(err)
	}
	c := e.client(streamProtocols[0])
	ch, end := batch(t, ctx, c, acquireCall("busy", time.Hour), acquireCall("free", 0))
	if first := next(t, ch); !indexes(first)[1] || indexes(first)[0] {
		t.Fatalf("first message %v, want the grant of call 1 only", first)
	}
	e.svc.Drain()
	rest, err := ended(t, ch, end)
	if err != nil || len(rest) != 1 {
		t.Fatalf("after the drain: %v then %v, want one message and OK", rest, err)
	}
	wantCallError(t, rest[0].GetResults()[0], connect.CodeUnavailable, "the server is shutting down; retry on another replica")

	ch, end = batch(t, ctx, c, acquireCall("free2", 0))
	if rest, err := ended(t, ch, end); len(rest) != 0 || connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("a batch on a drained server: %v then %v, want unavailable", rest, err)
	}
}
