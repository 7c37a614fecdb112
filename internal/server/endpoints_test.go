package server

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
)

// TestAuthEndpoints: health is open whatever the file says; reflection and /metrics
// follow endpoints (here: reflection off, metrics open); a CORS preflight from a named
// origin passes without credentials and allows the Authorization header.
func TestAuthEndpoints(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeFileAtomic(t, file, teamRules+"endpoints: {reflection: off, metrics: open}\n")
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--cors-origins", "https://app.example")
	if code, _ := getWith(t, srv.url+"/metrics", ""); code != http.StatusOK {
		t.Fatalf("open metrics without credentials: %d", code)
	}
	stream := grpcreflect.NewClient(h2cClient(t), srv.url, connect.WithGRPC()).NewStream(context.Background())
	_, err := stream.ListServices()
	stream.Close()
	if err == nil {
		t.Fatal("reflection answered although it is off")
	}

	req, err := http.NewRequest(http.MethodOptions, srv.url+"/distlock.v1.LockService/Acquire", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestAuthRefusalCarriesCORS: a call from an allowed origin that the auth middleware
// refuses still carries the CORS headers, so that a page reads unauthenticated instead of
// a network error (regression: the middleware answered outside the CORS handler).
func TestAuthRefusalCarriesCORS(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeFileAtomic(t, file, teamRules)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--cors-origins", "https://app.example")
	req, err := http.NewRequest(http.MethodPost, srv.url+"/distlock.v1.LockService/Acquire", strings.NewReader(`{"resource":"team-a/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("refused cross-origin call: %d %v", resp.StatusCode, resp.Header)
	}
}
