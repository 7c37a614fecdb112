package connectsvc_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// BenchmarkHandlerPair serves Acquire+Release pairs (Connect binary, one caller) from
// the service's http.Handler into a recorder, over the in-memory lessor: no network and
// no Redis, so that allocs/op and ns/op are the server side's own per-pair cost (mux,
// connect, interceptor, validation, metrics, hold-time tracking) plus the memory
// lessor's. Run: go test -run '^$' -bench HandlerPair -benchmem ./connectsvc/
func BenchmarkHandlerPair(b *testing.B) {
	store := memory.New()
	b.Cleanup(func() { store.Close() })
	h := connectsvc.New(store).Handler()
	acquireBody, err := proto.Marshal(&distlockv1.AcquireRequest{Resource: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	call := func(procedure string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/"+procedure, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/proto")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", procedure, rec.Code, rec.Body)
		}
		return rec
	}
	b.ReportAllocs()
	for b.Loop() {
		var a distlockv1.AcquireResponse
		if err := proto.Unmarshal(call("Acquire", acquireBody).Body.Bytes(), &a); err != nil {
			b.Fatal(err)
		}
		rel, err := proto.Marshal(&distlockv1.ReleaseRequest{Resource: "bench", LeaseToken: a.GetLeaseToken()})
		if err != nil {
			b.Fatal(err)
		}
		call("Release", rel)
	}
}
