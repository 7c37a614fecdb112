package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/internal/testproc"
)

// TestReadinessFollowsTheQuorum runs the distlock binary over three real redis-server
// nodes and follows what an operator sees while nodes die and come back: one node down
// of three is still ready (the node named), two down is 503 with both named and gRPC
// health NOT_SERVING, and a node back without its data is named quarantined with the
// time left. Throughout, every line the process writes, go-redis's included, is JSON.
func TestReadinessFollowsTheQuorum(t *testing.T) {
	cluster := redistest.Start(t, 3)
	addrs := cluster.Addrs()
	initNodes(t, addrs)
	srv, logs, hc := startDistlock(t, "--redis", "redis://"+strings.Join(addrs, ",")+"?quarantine=1h")
	lock := distlockv1connect.NewLockServiceClient(hc, srv.URL())
	health := grpchealth.NewClient(h2cClient(t), srv.URL(), connect.WithGRPC())
	acquire := func() error {
		_, err := lock.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{
			Resource: fmt.Sprint("health/", time.Now().UnixNano())}))
		return err
	}

	if rep, code := readyz(t, hc, srv.URL()); code != http.StatusOK || rep.Status != "ready" || rep.Trusted != 3 {
		t.Fatalf("all up: %d %+v", code, rep)
	}
	resp, err := hc.Get(srv.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz answered %s", resp.Status)
	}

	cluster.Nodes[0].Kill()
	if err := acquire(); err != nil {
		t.Fatalf("acquire with two of three nodes: %v", err)
	}
	rep := awaitReadyz(t, hc, srv.URL(), func(r readyReport) bool { return !r.Nodes[0].Up })
	if rep.Status != "ready" || !strings.Contains(rep.Reason, addrs[0]+" down") || rep.Nodes[0].Error == "" {
		t.Fatalf("one node down: %+v", rep)
	}

	cluster.Nodes[1].Kill()
	if err := acquire(); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("acquire with one node: %v, want unavailable", err)
	}
	rep = awaitReadyz(t, hc, srv.URL(), func(r readyReport) bool { return !r.Nodes[1].Up })
	if rep.Status != "not_ready" || !strings.Contains(rep.Reason, "no trusted quorum") ||
		!strings.Contains(rep.Reason, addrs[0]+" down") || !strings.Contains(rep.Reason, addrs[1]+" down") {
		t.Fatalf("two nodes down: %+v", rep)
	}
	if _, code := readyz(t, hc, srv.URL()); code != http.StatusServiceUnavailable {
		t.Fatalf("two nodes down: /readyz answered %d", code)
	}
	if h, err := health.Check(context.Background(), &grpchealth.CheckRequest{}); err != nil || h.Status != grpchealth.StatusNotServing {
		t.Fatalf("gRPC health with two nodes down: %+v, %v", h, err)
	}

	cluster.Nodes[0].Restart()
	_ = acquire() // dates the restarted node's data, so its quarantine's end is known
	rep = awaitReadyz(t, hc, srv.URL(), func(r readyReport) bool { return r.Nodes[0].QuarantineLeft != "" })
	n := rep.Nodes[0]
	if !n.Up || !n.Quarantined || n.QuarantinedUntil == nil || !n.QuarantinedUntil.After(time.Now()) ||
		!strings.Contains(rep.Reason, addrs[0]+" quarantined for another") {
		t.Fatalf("node back without data: %+v", rep)
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	logs.close()
	out := logs.text()
	for _, want := range []string{`"msg":"lock service node down"`, `"msg":"no trusted quorum: not ready"`, `"msg":"lock service node quarantined"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	assertJSONLines(t, out)
}

// TestLogIsJSONWhenANodeRefuses runs the distlock binary with one of its three nodes
// refusing connections, where go-redis's connection pool reports every failed dial, and
// checks that every line the process writes is JSON: go-redis's lines join the stream
// (at debug), and the node's failure is told by the service's own line naming it.
func TestLogIsJSONWhenANodeRefuses(t *testing.T) {
	cluster := redistest.Start(t, 2)
	refused := refusedAddr(t)
	srv, logs, hc := startDistlock(t, "--redis", "redis://"+strings.Join(append(cluster.Addrs(), refused), ",")+"?quarantine=0", "--log-level", "debug")
	lock := distlockv1connect.NewLockServiceClient(hc, srv.URL())
	for i := range 5 {
		if _, err := lock.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: fmt.Sprint("refused/", i)})); err != nil {
			t.Fatalf("acquire with two of three nodes: %v", err)
		}
	}
	rep := awaitReadyz(t, hc, srv.URL(), func(r readyReport) bool { return len(r.Nodes) == 3 })
	if rep.Status != "ready" || rep.Nodes[2].Up || !strings.Contains(rep.Nodes[2].Error, "connection refused") {
		t.Fatalf("a refusing node: %+v", rep)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	logs.close()
	out := logs.text()
	for _, want := range []string{`"msg":"lock service node down","node":"` + refused + `"`, `"msg":"redis driver"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no line has %s:\n%s", want, out)
		}
	}
	assertJSONLines(t, out)
}

// TestLogIsJSONWhenTheCollectorIsDown runs the distlock binary with tracing exported to
// an OTLP endpoint that refuses connections, and checks that the exporter's failures
// reach the log as JSON lines like every other.
func TestLogIsJSONWhenTheCollectorIsDown(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+refusedAddr(t))
	srv, logs, hc := startDistlock(t, "--lock-service", "memory://"+t.Name())
	lock := distlockv1connect.NewLockServiceClient(hc, srv.URL())
	if _, err := lock.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "traced"})); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil { // the shutdown flushes the span: the export fails
		t.Fatal(err)
	}
	logs.close()
	out := logs.text()
	if !strings.Contains(out, "connection refused") {
		t.Errorf("the failed export is not logged:\n%s", out)
	}
	assertJSONLines(t, out)
}

// refusedAddr returns a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startDistlock runs the distlock binary's serve with args and returns it, its log and
// an HTTP/1.1 client for it.
func startDistlock(t *testing.T, args ...string) (*testproc.Serve, *logWatch, *http.Client) {
	t.Helper()
	logs := newLogWatch()
	srv, err := testproc.StartServe(context.Background(), testproc.ServeConfig{Args: args, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Close()
		logs.close()
	})
	return srv, logs, h1Client(t)
}

// h1Client is an HTTP/1.1 client whose idle connections close when the test ends.
func h1Client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestHealthEndpointsNeedNoCredentials checks that a server with --auth answers GET
// /healthz and /readyz without a credential, as load balancers and Kubernetes probe them,
// while a call still needs one.
func TestHealthEndpointsNeedNoCredentials(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, teamRules, newPrincipal(t, "a", "team-a"))
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name())
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := getWith(t, srv.url+path, ""); code != http.StatusOK {
			t.Errorf("GET %s without a credential: %d %s", path, code, body)
		}
	}
	if code, _ := getWith(t, srv.url+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a credential: %d, want 401", code)
	}
}

// assertJSONLines fails the test for every line of out that is not a JSON object.
func assertJSONLines(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("a log line is not JSON: %q", l)
		}
	}
	if len(lines) < 3 {
		t.Errorf("only %d log lines:\n%s", len(lines), out)
	}
}

// readyReport is the part of GET /readyz's body the tests read.
type readyReport struct {
	Status, Reason string
	Trusted        int
	Nodes          []struct {
		Node, Error      string
		Up, Quarantined  bool
		QuarantineLeft   string     `json:"quarantine_left"`
		QuarantinedUntil *time.Time `json:"quarantined_until"`
	}
}

func readyz(t *testing.T, hc *http.Client, base string) (readyReport, int) {
	t.Helper()
	resp, err := hc.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep readyReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return rep, resp.StatusCode
}

// awaitReadyz polls /readyz until cond holds (the service looks at the nodes at most
// once a second), failing the test after a while.
func awaitReadyz(t *testing.T, hc *http.Client, base string, cond func(readyReport) bool) readyReport {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rep, _ := readyz(t, hc, base)
		if cond(rep) {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never got there: %+v", rep)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// initNodes marks new nodes trusted at once, as `distlock redis init` does.
func initNodes(t *testing.T, addrs []string) {
	t.Helper()
	c, err := redlock.New(addrs)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.InitNodes(context.Background()); err != nil {
		t.Fatal(err)
	}
}
