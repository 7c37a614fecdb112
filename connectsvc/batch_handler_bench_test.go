package connectsvc_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// BenchmarkHandlerBatchPair is BenchmarkHandlerPair through Batch: a Batch of 64
// Acquires then a Batch of their 64 Releases, served from the service's http.Handler
// into a recorder over the in-memory lessor, so that ns/pair and allocs/pair are the
// server side's own cost per pair (connect, the stream, each call's validation, metrics
// and goroutine) plus the memory lessor's, and this process's CPU time per pair (the
// GC's included), steadier than wall time on a shared machine. Compare with
// BenchmarkHandlerPair.
// Run: go test -run '^$' -bench 'Handler(Batch)?Pair' -benchmem ./connectsvc/
func BenchmarkHandlerBatchPair(b *testing.B) {
	store := memory.New()
	b.Cleanup(func() { store.Close() })
	h := connectsvc.New(store).Handler()
	codecs := []struct {
		name, contentType string
		marshal           func(proto.Message) ([]byte, error)
		unmarshal         func([]byte, proto.Message) error
	}{
		{"binary", "application/connect+proto", proto.Marshal, proto.Unmarshal},
		{"json", "application/connect+json", protojson.Marshal, protojson.Unmarshal},
	}
	for _, codec := range codecs {
		b.Run(codec.name, func(b *testing.B) {
			run := func(calls []*distlockv1.BatchCall) []*distlockv1.BatchResult {
				msg, err := codec.marshal(&distlockv1.BatchRequest{Calls: calls})
				if err != nil {
					b.Fatal(err)
				}
				body := append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg))), msg...)
				req := httptest.NewRequest(http.MethodPost, distlockv1connect.LockServiceBatchProcedure, bytes.NewReader(body))
				req.Header.Set("Content-Type", codec.contentType)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				results := make([]*distlockv1.BatchResult, len(calls))
				for out := rec.Body.Bytes(); len(out) >= 5; {
					n := 5 + int(binary.BigEndian.Uint32(out[1:5]))
					if out[0]&2 != 0 { // the end of the stream: {} or an error
						if n != 7 {
							b.Fatalf("stream ended with %s", out[5:n])
						}
						break
					}
					var m distlockv1.BatchResponse
					if err := codec.unmarshal(out[5:n], &m); err != nil {
						b.Fatal(err)
					}
					for _, r := range m.GetResults() {
						results[r.GetIndex()] = r
					}
					out = out[n:]
				}
				return results
			}
			acquires := make([]*distlockv1.BatchCall, batchSize)
			releases := make([]*distlockv1.BatchCall, batchSize)
			for i := range acquires {
				acquires[i] = acquireCall(fmt.Sprint("bench/", i), 0)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu := ownCPU(b)
			for b.Loop() {
				for i, r := range run(acquires) {
					a := r.GetAcquire()
					if a == nil {
						b.Fatalf("acquire %d: %v", i, r)
					}
					releases[i] = releaseCall(a.GetResource(), a.GetLeaseToken())
				}
				for i, r := range run(releases) {
					if r.GetRelease() == nil {
						b.Fatalf("release %d: %v", i, r)
					}
				}
			}
			cpu = ownCPU(b) - cpu
			runtime.ReadMemStats(&after)
			pairs := float64(b.N * batchSize)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/pairs, "ns/pair")
			b.ReportMetric(float64(cpu.Nanoseconds())/pairs, "cpu-ns/pair")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/pairs, "allocs/pair")
		})
	}
}
