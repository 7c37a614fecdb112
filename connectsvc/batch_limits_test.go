package connectsvc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// payloadCalls returns n Acquires of distinct resources, each with 60 KiB of data.
func payloadCalls(n int) []*distlockv1.BatchCall {
	calls := make([]*distlockv1.BatchCall, n)
	for i := range calls {
		calls[i] = &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: &distlockv1.AcquireRequest{
			Resource: fmt.Sprint("payload/", i), Data: make([]byte, 60<<10)}}}
	}
	return calls
}

// TestBatchLimits: an empty batch is invalid_argument, one over max_batch_calls or
// max_batch_bytes is resource_exhausted, refused whole before any call runs; a batch
// over the unary calls' 256 KiB but within max_batch_bytes is served, in binary and
// JSON alike.
func TestBatchLimits(t *testing.T) {
	for _, p := range streamProtocols[:2] { // connect binary and JSON
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, nil)
			c := e.client(p)
			refused := func(calls []*distlockv1.BatchCall, code connect.Code, msg string) {
				t.Helper()
				ch, end := batch(t, context.Background(), c, calls...)
				rest, err := ended(t, ch, end)
				if len(rest) != 0 || connect.CodeOf(err) != code || !strings.Contains(err.Error(), msg) {
					t.Fatalf("%d calls: %d messages then %v, want %v naming %q", len(calls), len(rest), err, code, msg)
				}
			}
			refused(nil, connect.CodeInvalidArgument, "calls is empty")
			tooMany := make([]*distlockv1.BatchCall, distlockv1policy.MaxBatchCalls+1)
			for i := range tooMany {
				tooMany[i] = releaseCall("r", "t")
			}
			refused(tooMany, connect.CodeResourceExhausted, "max_batch_calls")
			refused(payloadCalls(70), connect.CodeResourceExhausted, "") // 4.2 MB of data
			if n := e.spy.count(); n != 0 {
				t.Fatalf("refused batches reached the lessor %d times", n)
			}

			calls := payloadCalls(8) // 480 KiB of data
			results, _, err := batchResults(t, c, calls...)
			if err != nil {
				t.Fatalf("a batch within max_batch_bytes: %v", err)
			}
			for i, r := range results {
				if r.GetAcquire() == nil {
					t.Fatalf("call %d: %v", i, r)
				}
			}
		})
	}
}

// TestCompressedBatchStopsInflatingAtItsLimit: a Batch's compressed message stops
// inflating at max_batch_bytes, not 20 MB later.
func TestCompressedBatchStopsInflatingAtItsLimit(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := io.Copy(zw, io.LimitReader(&zeros{}, 20<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	body := append(binary.BigEndian.AppendUint32([]byte{1}, uint32(gz.Len())), gz.Bytes()...) // a compressed envelope
	req := httptest.NewRequest(http.MethodPost, distlockv1connect.LockServiceBatchProcedure, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/connect+proto")
	req.Header.Set("Connect-Content-Encoding", "gzip")
	rec := serveOnce(t, memoryHandler(t), req)
	if msg := rec.Body.String(); !strings.Contains(msg, fmt.Sprintf("passed the %d-byte limit", distlockv1policy.MaxBatchBytes)) || strings.Contains(msg, "20971520") {
		t.Fatalf("the message was not stopped at max_batch_bytes: %d %s", rec.Code, msg)
	}
}
