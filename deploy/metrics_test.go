package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// operatorMetrics are the series an operator's dashboard and alerts rely on (issue 15).
var operatorMetrics = []string{
	"distlock_ready", "distlock_node_up", "distlock_node_quarantined",
	"distlock_node_quarantine_remaining_seconds", "distlock_node_errors_total",
	"distlock_locks_held", "distlock_acquire_waiters", "distlock_acquire_wait_seconds_bucket",
	"distlock_lock_hold_seconds_bucket", "distlock_lease_losses_total",
	"distlock_fencing_advances_total", "distlock_handovers_total", "distlock_requests_total",
	"distlock_requests_refused_total", "distlock_build_info",
}

// TestMetricsFollowPrometheusConventions scrapes a server over embedded Redis after a
// few calls and checks the scrape with `promtool check metrics` (Debian's prometheus
// package; skipped without it unless CI is set) and that every operator metric is there.
func TestMetricsFollowPrometheusConventions(t *testing.T) {
	body := scrapeServer(t)
	for _, name := range operatorMetrics {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("the scrape lacks %s", name)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is missing; CI installs Debian's prometheus package")
		}
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
}
