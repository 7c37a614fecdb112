package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/internal/auth"
)

// benchAuthority is an Authority whose one token may acquire under bench/, with no
// practical rate limit, and that token.
func benchAuthority(b *testing.B) (*auth.Authority, string) {
	token, entry, err := auth.TokenEntry("bench", []string{"team"})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "auth.yaml")
	file := "tokens:\n" + entry + "rules:\n  - groups: [team]\n    verbs: [acquire, read]\n    resources: [\"bench/\"]\n" +
		"quotas:\n  default: {rate: 1000000000, burst: 1000000000}\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		b.Fatal(err)
	}
	a, err := auth.New(path, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	return a, token
}

// BenchmarkAuthCost serves Acquire+Release pairs (Connect binary, one caller, in-memory
// lessor, no network) through the service's handler as `distlock serve` builds it,
// without auth and with a static token: the ratio of the two is the auth layer's cost
// per call (middleware, rule check, quota ledger, rate bucket, owner label).
//
//	go test -run '^$' -bench AuthCost -count 5 ./internal/auth/
func BenchmarkAuthCost(b *testing.B) {
	a, token := benchAuthority(b)
	for _, mode := range []struct {
		name          string
		authorization string
	}{{"open", ""}, {"token", "Bearer " + token}} {
		b.Run(mode.name, func(b *testing.B) {
			store := memory.New()
			b.Cleanup(func() { store.Close() })
			h := connectsvc.New(store).Handler()
			if mode.authorization != "" {
				h = a.Middleware(connectsvc.New(store, connectsvc.WithGuard(a), connectsvc.WithCollectors(a.Collectors()...)).Handler())
			}
			call := func(procedure string, msg, out proto.Message) {
				body, err := proto.Marshal(msg)
				if err != nil {
					b.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/"+procedure, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/proto")
				if mode.authorization != "" {
					req.Header.Set("Authorization", mode.authorization)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", procedure, rec.Code, rec.Body)
				}
				if err := proto.Unmarshal(rec.Body.Bytes(), out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				var acq distlockv1.AcquireResponse
				call("Acquire", &distlockv1.AcquireRequest{Resource: "bench/r"}, &acq)
				call("Release", &distlockv1.ReleaseRequest{Resource: "bench/r", LeaseToken: acq.GetLeaseToken()}, &distlockv1.ReleaseResponse{})
			}
		})
	}
}

// BenchmarkAuthLayer runs only what the auth layer adds to an Acquire+Release pair: two
// authentications by the middleware, two authorizations (rate bucket, rules), the owner
// label, and the quota ledger's begin, end and release. Compared with BenchmarkAuthCost's
// open pair, it is the layer's share of a call without the noise of the whole handler.
func BenchmarkAuthLayer(b *testing.B) {
	a, token := benchAuthority(b)
	req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/Acquire", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	var ctxs []context.Context
	h := a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctxs = append(ctxs[:0], r.Context()) }))
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(nil, req)
		ctx := ctxs[0]
		if err := a.Authorize(ctx, auth.VerbAcquire, "bench/r"); err != nil {
			b.Fatal(err)
		}
		_ = a.Owner(ctx, "")
		end, err := a.BeginAcquire(ctx, time.Minute, 0, false)
		if err != nil {
			b.Fatal(err)
		}
		end(&driver.Lease{Resource: "bench/r", Token: "t", Validity: time.Now().Add(time.Minute)})
		h.ServeHTTP(nil, req)
		if err := a.Authorize(ctxs[0], auth.VerbAcquire, "bench/r"); err != nil {
			b.Fatal(err)
		}
		a.Released("bench/r", "t")
	}
}
