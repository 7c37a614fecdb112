package runner_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/memory"
)

// TestExternalService runs cases against a service the runner did not start (-service):
// cases that need only the service and the proxy run and pass, and those that need node
// or time control are n/a, not failed. The service wants credentials, which the runner's
// proxies add.
func TestExternalService(t *testing.T) {
	lessor := memory.New()
	t.Cleanup(func() { _ = lessor.Close() })
	svc := connectsvc.New(lessor).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" { // as a service checking credentials
			http.Error(w, `{"code":"unauthenticated"}`, http.StatusUnauthorized)
			return
		}
		svc.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	want := map[string]runner.Status{
		"acquire-held-no-wait":                 runner.Pass,
		"transient-unavailable-during-renewal": runner.Pass,
		"one-node-down-works":                  runner.NotApplicable, // nodes
		"default-ttl":                          runner.NotApplicable, // time
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	rep, err := runner.Run(context.Background(), runner.Options{
		Root:            "../..",
		Cases:           loadCases(t, names),
		Targets:         []runner.Target{{Name: "sdk", Via: "service", Run: adapterArgs("sdk")}},
		KnownFailingDir: t.TempDir(),
		WorkDir:         t.TempDir(),
		Service:         srv.URL,
		Header:          http.Header{"Authorization": {"Bearer t0ken"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	for _, row := range rep.Rows {
		if got := row.Cells["sdk"]; got.Status != want[row.Case] || row.Env != "service" {
			t.Errorf("%s on %s: %s (%s), want %s on service", row.Case, row.Env, got.Status, got.Detail, want[row.Case])
		}
	}
}
