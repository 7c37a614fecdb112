package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestJWTFromAJWKSURL: a JWT verified against a key set fetched from a URL (on loopback)
// authenticates its subject, whose groups the rules name.
func TestJWTFromAJWKSURL(t *testing.T) {
	iss := newIssuer(t, "k1")
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(iss.jwksJSON(t))
	}))
	t.Cleanup(jwks.Close)
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeFileAtomic(t, file, jwtSection("jwks_url: "+jwks.URL)+teamRules)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name())
	c := clientAs(t, srv.url, "Bearer "+iss.sign(t, claims("svc-build", "team-a")), connect.WithGRPC())
	ctx := context.Background()
	if _, err := c.Acquire(ctx, acquireReq("team-a/x", "")); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
	if err != nil || info.Msg.GetOwner() != "svc-build" {
		t.Fatalf("owner: %v, %v", info, err)
	}
	if _, err := c.Acquire(ctx, acquireReq("team-b/x", "")); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("team-b/ with a team-a JWT: %v", err)
	}
}
