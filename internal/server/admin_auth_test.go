package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// opsRules add an ops group that may read and break every lock to team-a's rules.
const opsRules = `rules:
  - groups: [team-a]
    verbs: [acquire, read]
    resources: ["team-a/"]
  - groups: [ops]
    verbs: [read, admin]
    resources: ["*"]
`

// TestForceReleaseNeedsAdminAndIsAudited: through `distlock serve --auth`, only a
// principal granted admin breaks a lock, each break is one audit line naming the
// principal, resource and reason, and List needs read on the whole prefix.
func TestForceReleaseNeedsAdminAndIsAudited(t *testing.T) {
	a, ops := newPrincipal(t, "ci-a", "team-a"), newPrincipal(t, "oncall", "ops")
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, opsRules, a, ops)
	redisURL, _ := miniNodes(t)
	srv := startServer(t, "--auth", file, "--redis", redisURL)
	ctx := context.Background()
	ca, co := clientAs(t, srv.url, "Bearer "+a.token), clientAs(t, srv.url, "Bearer "+ops.token)
	held, err := ca.Acquire(ctx, acquireReq("team-a/nightly", "cron"))
	if err != nil {
		t.Fatal(err)
	}
	breakReq := connect.NewRequest(&distlockv1.ForceReleaseRequest{Resource: "team-a/nightly", Reason: "stuck since 02:00"})
	if _, err := ca.ForceRelease(ctx, breakReq); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ci-a breaking its own team's lock without admin: %v", err)
	}
	if _, err := ca.List(ctx, connect.NewRequest(&distlockv1.ListRequest{})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ci-a listing every lock: %v", err)
	}
	if res, err := ca.List(ctx, connect.NewRequest(&distlockv1.ListRequest{Prefix: "team-a/"})); err != nil || len(res.Msg.GetLocks()) != 1 {
		t.Fatalf("ci-a listing team-a/: %v, %v", res, err)
	}
	listed, err := co.List(ctx, connect.NewRequest(&distlockv1.ListRequest{}))
	if err != nil || len(listed.Msg.GetLocks()) != 1 || listed.Msg.GetLocks()[0].GetOwner() != "ci-a/cron" {
		t.Fatalf("ops listing every lock: %v, %v", listed, err)
	}
	broken, err := co.ForceRelease(ctx, breakReq)
	if err != nil || broken.Msg.GetFencingToken() != held.Msg.GetFencingToken() {
		t.Fatalf("ops breaking the lock: %v, %v", broken, err)
	}
	_, err = ca.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "team-a/nightly", LeaseToken: held.Msg.GetLeaseToken()}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("the broken holder's Extend: %v, want not_found", err)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	var audits []string
	for _, line := range strings.Split(srv.logs.text(), "\n") {
		if strings.Contains(line, `"msg":"audit: force release"`) {
			audits = append(audits, line)
		}
	}
	if len(audits) != 1 {
		t.Fatalf("audit lines %q, want one", audits)
	}
	for _, want := range []string{`"principal":"oncall"`, `"resource":"team-a/nightly"`, `"reason":"stuck since 02:00"`, `"outcome":"ok"`} {
		if !strings.Contains(audits[0], want) {
			t.Errorf("audit line %s lacks %s", audits[0], want)
		}
	}
	if !strings.Contains(srv.logs.text(), `"msg":"auth denied","principal":"ci-a","auth_method":"token","verb":"admin","resource":"team-a/nightly"`) {
		t.Errorf("the denied break is not logged:\n%s", srv.logs.text())
	}
}
