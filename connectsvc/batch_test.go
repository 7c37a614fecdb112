package connectsvc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestBatchRunsEachCallAsItsRPC: over every protocol that streams, a batch of Acquire,
// Extend and Release calls gets one result per call, named by its index, each what the
// unary RPC answers (the same error code and message); failing calls fail alone, and a
// batch of calls that do not wait answers in one message.
func TestBatchRunsEachCallAsItsRPC(t *testing.T) {
	for _, p := range streamProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			ctx := context.Background()
			c := e.client(p)
			toExtend, err := e.spy.Lessor.Acquire(ctx, "extend-me", driver.LeaseOptions{TTL: driver.MinTTL})
			if err != nil {
				t.Fatal(err)
			}
			toRelease, err := e.spy.Lessor.Acquire(ctx, "release-me", driver.LeaseOptions{TTL: driver.MinTTL})
			if err != nil {
				t.Fatal(err)
			}
			badTTL := &distlockv1.AcquireRequest{Resource: "bad", Ttl: durationpb.New(time.Second)}
			results, msgs, err := batchResults(t, c,
				acquireCall("a", 0),
				extendCall("extend-me", toExtend.Token),
				releaseCall("release-me", toRelease.Token),
				releaseCall("nobody", "not-a-lease"),
				&distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: badTTL}},
				&distlockv1.BatchCall{},
				acquireCall("extend-me", 0), // held: aborted at once
			)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 {
				t.Errorf("%d messages for calls that do not wait, want 1", len(msgs))
			}
			a := results[0].GetAcquire()
			if a.GetResource() != "a" || a.GetLeaseToken() == "" || a.GetFencingToken() == 0 {
				t.Fatalf("acquire: %v", results[0])
			}
			if info, err := e.spy.Lessor.Info(ctx, "a"); err != nil || info.FencingToken != a.GetFencingToken() {
				t.Fatalf("the batch's grant is not held: %v, %v", info, err)
			}
			if x := results[1].GetExtend(); x == nil || !x.GetExpireTime().AsTime().After(toExtend.Validity) {
				t.Fatalf("extend: %v", results[1])
			}
			if results[2].GetRelease() == nil {
				t.Fatalf("release: %v", results[2])
			}
			if _, err := e.spy.Lessor.Info(ctx, "release-me"); !errors.Is(err, driver.ErrNotHeld) {
				t.Fatalf("released by the batch, still held: %v", err)
			}
			_, unary := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "nobody", LeaseToken: "not-a-lease"}))
			wantCallError(t, results[3], connect.CodeNotFound, connectMessage(t, unary))
			_, unary = c.Acquire(ctx, connect.NewRequest(badTTL))
			wantCallError(t, results[4], connect.CodeInvalidArgument, connectMessage(t, unary))
			wantCallError(t, results[5], connect.CodeInvalidArgument, "calls[5] sets none of acquire, extend and release")
			_, unary = c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "extend-me"}))
			wantCallError(t, results[6], connect.CodeAborted, connectMessage(t, unary))
		})
	}
}

// connectMessage is the message of err, a connect error.
func connectMessage(t *testing.T, err error) string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%v is not a connect error", err)
	}
	return ce.Message()
}

// TestBatchStreamsAWaitingAcquireLater: the quick calls' results arrive first, in one
// message, while an Acquire waits; its grant follows when the holder leaves, and the
// stream then ends.
func TestBatchStreamsAWaitingAcquireLater(t *testing.T) {
	for _, p := range streamProtocols[:2] { // connect binary and JSON
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			other, err := e.spy.Lessor.Acquire(ctx, "busy", driver.LeaseOptions{TTL: driver.MinTTL})
			if err != nil {
				t.Fatal(err)
			}
			ch, end := batch(t, ctx, e.client(p), acquireCall("busy", time.Minute), acquireCall("q1", 0), releaseCall("q2", "gone"))
			first := next(t, ch)
			if got := indexes(first); len(got) != 2 || got[0] || !got[1] || !got[2] {
				t.Fatalf("first message %v, want the results of calls 1 and 2", first)
			}
			if err := e.spy.Lessor.Release(ctx, other); err != nil {
				t.Fatal(err)
			}
			rest, err := ended(t, ch, end)
			if err != nil || len(rest) != 1 || len(rest[0].GetResults()) != 1 {
				t.Fatalf("after the holder left: %v, %v; want one message with the grant", rest, err)
			}
			if g := rest[0].GetResults()[0]; g.GetIndex() != 0 || g.GetAcquire().GetFencingToken() <= other.Fence {
				t.Fatalf("the waiting acquire's result: %v", g)
			}
		})
	}
}

// indexes returns the calls a message has results for.
func indexes(m *distlockv1.BatchResponse) map[uint32]bool {
	out := map[uint32]bool{}
	for _, r := range m.GetResults() {
		out[r.GetIndex()] = true
	}
	return out
}
