package connectsvc_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// BenchmarkHandlerPair serves Acquire+Release pairs (Connect binary and JSON, one caller) from
// the service's http.Handler into a recorder, over the in-memory lessor: no network and
// no Redis, so that allocs/op and ns/op are the server side's own per-pair cost (mux,
// connect, interceptor, validation, metrics, hold-time tracking) plus the memory
// lessor's. Run: go test -run '^$' -bench HandlerPair -benchmem ./connectsvc/
func BenchmarkHandlerPair(b *testing.B) {
	store := memory.New()
	b.Cleanup(func() { store.Close() })
	h := connectsvc.New(store).Handler()
	codecs := []struct {
		name, contentType string
		marshal           func(proto.Message) ([]byte, error)
		unmarshal         func([]byte, proto.Message) error
	}{
		{"binary", "application/proto", proto.Marshal, proto.Unmarshal},
		{"json", "application/json", protojson.Marshal, protojson.Unmarshal},
	}
	for _, codec := range codecs {
		b.Run(codec.name, func(b *testing.B) {
			call := func(procedure string, msg proto.Message) []byte {
				body, err := codec.marshal(msg)
				if err != nil {
					b.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/"+procedure, bytes.NewReader(body))
				req.Header.Set("Content-Type", codec.contentType)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", procedure, rec.Code, rec.Body)
				}
				return rec.Body.Bytes()
			}
			b.ReportAllocs()
			cpu := ownCPU(b)
			for b.Loop() {
				var a distlockv1.AcquireResponse
				if err := codec.unmarshal(call("Acquire", &distlockv1.AcquireRequest{Resource: "bench"}), &a); err != nil {
					b.Fatal(err)
				}
				call("Release", &distlockv1.ReleaseRequest{Resource: "bench", LeaseToken: a.GetLeaseToken()})
			}
			b.ReportMetric(float64((ownCPU(b)-cpu).Nanoseconds())/float64(b.N), "cpu-ns/pair")
		})
	}
}
