package connectsvc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

// fakeNodes is a HealthChecker whose answer the test sets.
type fakeNodes struct {
	mu    sync.Mutex
	h     driver.Health
	calls int
}

func (f *fakeNodes) set(nodes ...driver.NodeHealth) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.h = driver.Health{Quorum: len(nodes)/2 + 1, Nodes: nodes}
}

func (f *fakeNodes) Health(context.Context) driver.Health {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	h := f.h
	h.Checked = time.Now()
	return h
}

func (f *fakeNodes) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// TestReadinessReportsTheNodes checks /readyz, gRPC health and the node metrics over
// the states a HealthChecker reports, and that one look at the nodes serves the askers
// of the same second.
func TestReadinessReportsTheNodes(t *testing.T) {
	nodes := &fakeNodes{}
	up := func(n string) driver.NodeHealth { return driver.NodeHealth{Node: n} }
	nodes.set(up("a:1"), driver.NodeHealth{Node: "b:2", Err: errors.New("connection refused")},
		driver.NodeHealth{Node: "c:3", Quarantined: true, QuarantineLeft: 90 * time.Second})
	logs := newLogSink()
	e := newEnv(t, nil, connectsvc.WithHealthChecker(nodes), withLogs(logs))
	health := grpchealth.NewClient(e.h2c, e.url, connect.WithGRPC())

	rep, code := getReadyz(t, e)
	if code != http.StatusServiceUnavailable || rep.Status != "not_ready" || rep.Quorum != 2 || rep.Trusted != 1 {
		t.Fatalf("one trusted of three: %d %+v", code, rep)
	}
	if !strings.Contains(rep.Reason, "b:2 down: connection refused") || !strings.Contains(rep.Reason, "c:3 quarantined for another 1m30s") {
		t.Errorf("reason %q", rep.Reason)
	}
	if n := rep.Nodes[2]; !n.Quarantined || n.QuarantineLeft != "1m30s" || n.QuarantinedUntil == nil {
		t.Errorf("quarantined node: %+v", n)
	}
	if n := rep.Nodes[1]; n.Up || n.Error != "connection refused" {
		t.Errorf("down node: %+v", n)
	}
	if got, err := health.Check(context.Background(), &grpchealth.CheckRequest{}); err != nil || got.Status != grpchealth.StatusNotServing {
		t.Errorf("gRPC health without a quorum: %+v, %v", got, err)
	}
	_, err := health.Check(context.Background(), &grpchealth.CheckRequest{Service: "other.Service"})
	wantCode(t, err, connect.CodeNotFound)
	body := scrape(t, e)
	for _, want := range []string{
		"distlock_ready 0", `distlock_node_up{node="a:1"} 1`, `distlock_node_up{node="b:2"} 0`,
		`distlock_node_quarantined{node="c:3"} 1`, `distlock_node_quarantine_remaining_seconds{node="c:3"} 90`,
		`distlock_node_quarantine_remaining_seconds{node="a:1"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := nodes.count(); n != 1 {
		t.Errorf("the nodes were asked %d times within a second, want once", n)
	}
	for _, want := range []string{"lock service node down node=b:2", "lock service node quarantined node=c:3", "no trusted quorum: not ready"} {
		if !strings.Contains(logs.text(), want) {
			t.Errorf("no log line %q", want)
		}
	}

	nodes.set(up("a:1"), up("b:2"), up("c:3"))
	rep = awaitStatus(t, e, "ready")
	if rep.Reason != "" || rep.Trusted != 3 {
		t.Errorf("all trusted: %+v", rep)
	}
	for _, want := range []string{"lock service node up node=b:2", "lock service node trusted again node=c:3", "trusted quorum back: ready"} {
		if !strings.Contains(logs.text(), want) {
			t.Errorf("no log line %q", want)
		}
	}

	e.svc.Drain()
	if rep, code := getReadyz(t, e); code != http.StatusServiceUnavailable || rep.Status != "draining" {
		t.Errorf("draining: %d %+v", code, rep)
	}
	if got, err := health.Check(context.Background(), &grpchealth.CheckRequest{}); err != nil || got.Status != grpchealth.StatusNotServing {
		t.Errorf("gRPC health while draining: %+v, %v", got, err)
	}
	if code, _ := do(t, e.http1, mustRequest(t, "GET", e.url+"/healthz")); code != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200: a draining replica is alive", code)
	}
}

// TestReadinessWithoutHealthChecker checks that a lessor with no nodes (memory) is ready
// until drained.
func TestReadinessWithoutHealthChecker(t *testing.T) {
	e := newEnv(t, nil)
	if rep, code := getReadyz(t, e); code != http.StatusOK || rep.Status != "ready" || len(rep.Nodes) != 0 {
		t.Fatalf("memory lessor: %d %+v", code, rep)
	}
	if !strings.Contains(scrape(t, e), "distlock_ready 1") {
		t.Error("distlock_ready is not 1")
	}
}

type readyBody struct {
	Status, Reason  string
	Quorum, Trusted int
	Nodes           []struct {
		Node, Error      string
		Up, Quarantined  bool
		QuarantineLeft   string     `json:"quarantine_left"`
		QuarantinedUntil *time.Time `json:"quarantined_until"`
	}
}

func getReadyz(t *testing.T, e *env) (readyBody, int) {
	t.Helper()
	code, body := do(t, e.http1, mustRequest(t, "GET", e.url+"/readyz"))
	var rep readyBody
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return rep, code
}

// awaitStatus polls /readyz until its status is want: the service looks again at the
// nodes only once its last look is a second old.
func awaitStatus(t *testing.T, e *env, want string) readyBody {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep, _ := getReadyz(t, e)
		if rep.Status == want {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz stayed %+v", rep)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// handingOver is a lessor that reports hand-overs, as core/redlock's Client does.
type handingOver struct {
	driver.Lessor
	n uint64
}

func (h handingOver) HandOvers() uint64 { return h.n }

// TestHandOversAreExported checks that a lessor's hand-over count is a counter.
func TestHandOversAreExported(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	rec := httptest.NewRecorder()
	connectsvc.New(handingOver{Lessor: store, n: 3}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body := rec.Body.String(); !strings.Contains(body, "distlock_handovers_total 3") {
		t.Errorf("metrics lack distlock_handovers_total 3:\n%s", body)
	}
}
