package deploy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/internal/server"
)

// TestDashboardUsesExportedMetrics checks the Grafana dashboard against a scrape of a
// real server (embedded Redis, after a lock was taken and released): every metric a
// query names is exported, and every distlock metric exported is on the dashboard.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(readFile(t, "grafana/distlock.json")), &dash); err != nil {
		t.Fatal(err)
	}
	scrape := scrapeServer(t)
	exported := map[string]bool{} // sample names
	families := map[string]bool{} // # TYPE names
	for _, l := range strings.Split(scrape, "\n") {
		if f, ok := strings.CutPrefix(l, "# TYPE "); ok {
			families[strings.Fields(f)[0]] = true
		} else if l != "" && !strings.HasPrefix(l, "#") {
			exported[strings.FieldsFunc(l, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
		}
	}
	name := regexp.MustCompile(`\bdistlock_[a-z0-9_]+`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			for _, m := range name.FindAllString(q.Expr, -1) {
				used[m] = true
				if !exported[m] {
					t.Errorf("panel %q queries %s, which the server does not export", p.Title, m)
				}
			}
		}
	}
	for f := range families {
		if !strings.HasPrefix(f, "distlock_") {
			continue
		}
		if !slices.ContainsFunc([]string{f, f + "_bucket", f + "_total"}, func(n string) bool { return used[n] }) {
			t.Errorf("the dashboard does not show %s", f)
		}
	}
}

// scrapeServer runs `distlock serve` in this process over its embedded Redis servers,
// takes and releases a lock, once alone and once in a Batch (metrics with labels appear
// only once used), and returns a scrape of /metrics.
func scrapeServer(t *testing.T) string {
	t.Helper()
	cfg, err := server.ParseConfig([]string{"--listen", "127.0.0.1:0"}, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	cfg.Ready = func(u string) { ready <- u }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	c := distlockv1connect.NewLockServiceClient(hc, base)
	a, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "dashboard/r"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "dashboard/r", LeaseToken: a.Msg.GetLeaseToken()})); err != nil {
		t.Fatal(err)
	}
	batch, err := c.Batch(ctx, connect.NewRequest(&distlockv1.BatchRequest{Calls: []*distlockv1.BatchCall{
		{Call: &distlockv1.BatchCall_Acquire{Acquire: &distlockv1.AcquireRequest{Resource: "dashboard/b"}}},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	for batch.Receive() {
		for _, r := range batch.Msg().GetResults() {
			if r.GetAcquire() == nil {
				t.Fatalf("batch acquire: %v", r.GetError())
			}
		}
	}
	if err := batch.Err(); err != nil {
		t.Fatal(err)
	}
	_ = batch.Close()
	resp, err := hc.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
