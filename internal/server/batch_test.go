package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// batchAuthRules add, to the teams' rules, a group whose members may make 3 calls in
// all (a burst of 3, refilled at one call every 1000 s).
const batchAuthRules = teamRules + `  - groups: [rated]
    verbs: [acquire]
    resources: ["rated/"]
quotas:
  principals:
    rated: {rate: 0.001, burst: 3}
`

func acquireCall(resource string, wait time.Duration) *distlockv1.BatchCall {
	a := &distlockv1.AcquireRequest{Resource: resource}
	if wait > 0 {
		a.Wait = durationpb.New(wait)
	}
	return &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: a}}
}

// runBatch runs a batch to its end and returns its results by index.
func runBatch(t *testing.T, c distlockv1connect.LockServiceClient, calls ...*distlockv1.BatchCall) (map[uint32]*distlockv1.BatchResult, error) {
	t.Helper()
	s, err := c.Batch(context.Background(), connect.NewRequest(&distlockv1.BatchRequest{Calls: calls}))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := map[uint32]*distlockv1.BatchResult{}
	for s.Receive() {
		for _, r := range s.Msg().GetResults() {
			out[r.GetIndex()] = r
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(calls) {
		t.Fatalf("%d results for %d calls", len(out), len(calls))
	}
	return out, nil
}

// TestBatchAuthorizesEachCall: with --auth, a batch without a credential fails whole
// (unauthenticated); with one, each call is authorized as its unary RPC (a call outside
// the caller's rules gets permission_denied, audited, while the others are served, with
// the principal as owner) and each call counts against the caller's rate quota.
func TestBatchAuthorizesEachCall(t *testing.T) {
	a, rated := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "rated", "rated")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, batchAuthRules, a, rated)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--log-level", "debug")

	for name, opts := range wireProtocols {
		if name == "json-get" {
			continue // GET is for unary calls without side effects
		}
		_, err := runBatch(t, clientAs(t, srv.url, "", opts...), acquireCall("team-a/x", 0))
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("%s: a batch without a credential: %v, want unauthenticated", name, err)
		}
	}

	ca := clientAs(t, srv.url, "Bearer "+a.token)
	results, err := runBatch(t, ca, acquireCall("team-a/x", 0), acquireCall("team-b/x", 0),
		&distlockv1.BatchCall{Call: &distlockv1.BatchCall_Release{Release: &distlockv1.ReleaseRequest{Resource: "team-b/y", LeaseToken: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].GetAcquire() == nil {
		t.Fatalf("the allowed call: %v", results[0])
	}
	for _, i := range []uint32{1, 2} {
		if e := results[i].GetError(); e.GetCode() != "permission_denied" || !strings.Contains(e.GetMessage(), `"ci-a" may not acquire "team-b/`) {
			t.Fatalf("call %d outside the rules: %v", i, results[i])
		}
	}
	info, err := ca.Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "team-a/x"}))
	if err != nil || info.Msg.GetOwner() != "ci-a" {
		t.Fatalf("owner of the batch's grant: %v, %v", info, err)
	}

	var calls []*distlockv1.BatchCall
	for i := range 4 {
		calls = append(calls, acquireCall(fmt.Sprint("rated/", i), 0))
	}
	results, err = runBatch(t, clientAs(t, srv.url, "Bearer "+rated.token), calls...)
	if err != nil {
		t.Fatal(err)
	}
	granted, exhausted := 0, 0
	for _, r := range results {
		switch {
		case r.GetAcquire() != nil:
			granted++
		case r.GetError().GetCode() == "resource_exhausted" && strings.Contains(r.GetError().GetMessage(), "quota rate ("):
			exhausted++
		}
	}
	if granted != 3 || exhausted != 1 {
		t.Fatalf("4 calls against a burst of 3: %d granted, %d refused naming rate; want 3 and 1: %v", granted, exhausted, results)
	}

	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.logs.text()
	for _, want := range []string{
		`"msg":"auth denied","principal":"ci-a","auth_method":"token","verb":"acquire","resource":"team-b/x","code":"permission_denied"`,
		`"msg":"auth denied","principal":"ci-a","auth_method":"token","verb":"acquire","resource":"team-b/y","code":"permission_denied"`,
		`"msg":"rpc","method":"Acquire","code":"permission_denied"`,
		`"msg":"rpc","method":"Batch","code":"ok"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

// TestBatchDrainsOnShutdown: a server told to stop ends the waiting Acquire of a batch in
// flight with unavailable, after its other calls were answered; the stream ends OK and
// the server shuts down cleanly instead of waiting out the wait.
func TestBatchDrainsOnShutdown(t *testing.T) {
	srv := startServer(t, "--lock-service", "memory://"+t.Name())
	c := clientAs(t, srv.url, "")
	ctx := context.Background()
	if _, err := c.Acquire(ctx, acquireReq("busy", "")); err != nil {
		t.Fatal(err)
	}
	s, err := c.Batch(ctx, connect.NewRequest(&distlockv1.BatchRequest{Calls: []*distlockv1.BatchCall{
		acquireCall("busy", time.Minute), acquireCall("free", 0)}}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Receive() || s.Msg().GetResults()[0].GetIndex() != 1 {
		t.Fatalf("first message: %v, %v; want the grant of call 1", s.Msg(), s.Err())
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	if !s.Receive() {
		t.Fatalf("no result for the waiting call: %v", s.Err())
	}
	if r := s.Msg().GetResults()[0]; r.GetIndex() != 0 || r.GetError().GetCode() != "unavailable" {
		t.Fatalf("the waiting call after the stop: %v, want unavailable", r)
	}
	if s.Receive() || s.Err() != nil {
		t.Fatalf("after every result: %v, %v; want the end, OK", s.Msg(), s.Err())
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a hang, not a timing bound: the wait is a minute
		t.Fatal("the server did not shut down while a batch was in flight")
	}
}
