package connectsvc_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// Calls of a batch, for brevity.
func acquireCall(resource string, wait time.Duration) *distlockv1.BatchCall {
	a := &distlockv1.AcquireRequest{Resource: resource}
	if wait > 0 {
		a.Wait = durationpb.New(wait)
	}
	return &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: a}}
}

func extendCall(resource, token string) *distlockv1.BatchCall {
	return &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Extend{Extend: &distlockv1.ExtendRequest{Resource: resource, LeaseToken: token}}}
}

func releaseCall(resource, token string) *distlockv1.BatchCall {
	return &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Release{Release: &distlockv1.ReleaseRequest{Resource: resource, LeaseToken: token}}}
}

// batch opens a Batch stream and returns its messages as they come.
func batch(t *testing.T, ctx context.Context, c distlockv1connect.LockServiceClient, calls ...*distlockv1.BatchCall) (<-chan *distlockv1.BatchResponse, *error) {
	t.Helper()
	s, err := c.Batch(ctx, connect.NewRequest(&distlockv1.BatchRequest{Calls: calls}))
	return opened(t, s, err)
}

// batchResults runs a batch to its end and returns its results by index, its messages
// and the stream's end. It fails the test if a call gets no result or more than one.
func batchResults(t *testing.T, c distlockv1connect.LockServiceClient, calls ...*distlockv1.BatchCall) (map[uint32]*distlockv1.BatchResult, []*distlockv1.BatchResponse, error) {
	t.Helper()
	ch, end := batch(t, context.Background(), c, calls...)
	msgs, err := ended(t, ch, end)
	if err != nil {
		return nil, msgs, err
	}
	return byIndex(t, len(calls), msgs...), msgs, nil
}

// byIndex maps results to their calls, failing the test on an empty message, a result
// for no call, a call with two results or a call with none.
func byIndex(t *testing.T, calls int, msgs ...*distlockv1.BatchResponse) map[uint32]*distlockv1.BatchResult {
	t.Helper()
	out := map[uint32]*distlockv1.BatchResult{}
	for _, m := range msgs {
		if len(m.GetResults()) == 0 {
			t.Fatal("a message without results")
		}
		for _, r := range m.GetResults() {
			if int(r.GetIndex()) >= calls {
				t.Fatalf("result for call %d of %d", r.GetIndex(), calls)
			}
			if _, dup := out[r.GetIndex()]; dup {
				t.Fatalf("two results for call %d", r.GetIndex())
			}
			out[r.GetIndex()] = r
		}
	}
	if len(out) != calls {
		t.Fatalf("%d results for %d calls", len(out), calls)
	}
	return out
}

// wantCallError fails the test unless r is the error code with message msg (any
// message when msg is empty).
func wantCallError(t *testing.T, r *distlockv1.BatchResult, code connect.Code, msg string) {
	t.Helper()
	e := r.GetError()
	if e == nil || e.GetCode() != code.String() || (msg != "" && e.GetMessage() != msg) {
		t.Fatalf("call %d: %v, want error %s %q", r.GetIndex(), r, code, msg)
	}
}
