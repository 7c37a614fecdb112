package connectsvc_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
)

// TestBatchIsCountedAndLogged: a batch counts once in the batch metrics (by code, and
// its calls in the histogram), each of its calls counts under its own method as the
// unary call would, and each is logged in its own rpc line naming its index; a refused
// batch counts under its code.
func TestBatchIsCountedAndLogged(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, withLogs(logs))
	c := e.client(streamProtocols[0])
	if _, _, err := batchResults(t, c, acquireCall("a", 0), acquireCall("b", 0), releaseCall("c", "gone")); err != nil {
		t.Fatal(err)
	}
	ch, end := batch(t, context.Background(), c)
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("empty batch: %v", err)
	}
	_, body := do(t, e.http1, mustGet(t, e.url+"/metrics"))
	for _, want := range []string{
		`distlock_batch_requests_total{code="ok"} 1`,
		`distlock_batch_requests_total{code="invalid_argument"} 1`,
		`distlock_batch_calls_sum 3`,
		`distlock_batch_calls_count 1`,
		`distlock_requests_total{code="ok",method="Acquire"} 2`,
		`distlock_requests_total{code="not_found",method="Release"} 1`,
		`distlock_lease_losses_total{reason="release_not_held"} 1`,
		`distlock_fencing_advances_total{reason="grant"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	text := logs.text()
	for _, want := range []string{
		"rpc method=Batch code=ok",
		"calls=3 messages=1",
		"rpc method=Batch code=invalid_argument",
		"resource=a batch_call=0",
		"resource=c batch_call=2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %q:\n%s", want, text)
		}
	}
}

// TestBatchCallPanicIsItsOwnInternalError: a call that panics gets internal (the panic is
// logged, not sent); the batch's other calls are answered and the server keeps serving.
func TestBatchCallPanicIsItsOwnInternalError(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, connectsvc.WithLogger(slogNew(logs)))
	e.spy.set(func(s *spy) {
		s.acquire = func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
			if resource == "boom" {
				panic("a bug")
			}
			return s.Lessor.Acquire(ctx, resource, o)
		}
	})
	results, _, err := batchResults(t, e.client(streamProtocols[0]), acquireCall("boom", 0), acquireCall("fine", 0))
	if err != nil {
		t.Fatal(err)
	}
	wantCallError(t, results[0], connect.CodeInternal, "internal error")
	if results[1].GetAcquire() == nil {
		t.Fatalf("the other call: %v", results[1])
	}
	if text := logs.text(); !strings.Contains(text, "panic in handler method=Acquire panic=a bug") {
		t.Fatalf("the panic is not logged:\n%s", text)
	}
}
