package cli

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// adminService starts a service and takes locks on names through the Go SDK.
func adminService(t *testing.T, names ...string) (string, map[string]driver.Lease) {
	t.Helper()
	url := startService(t)
	l, err := distlock.New(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	leases := map[string]driver.Lease{}
	for _, name := range names {
		lease, err := l.Acquire(context.Background(), name, driver.LeaseOptions{TTL: driver.MaxTTL, Owner: "cron"})
		if err != nil {
			t.Fatal(err)
		}
		leases[name] = lease
	}
	return url, leases
}

func TestLsPrintsATableAndTheServicesJSON(t *testing.T) {
	url, leases := adminService(t, "jobs/a", "jobs/b\tc", "other")
	ctx := context.Background()
	r := runCLI(ctx, nil, "ls", "jobs/", "--server", url)
	if r.code != exitOK {
		t.Fatalf("ls: %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "RESOURCE") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	for _, want := range []string{"jobs/a", `jobs/b\tc`, "cron", strconv.FormatUint(leases["jobs/a"].Fence, 10)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(ctx, nil, "ls", "jobs/", "-o", "json", "--server", url)
	if r.code != exitOK {
		t.Fatalf("ls -o json: %+v", r)
	}
	var out struct {
		Locks []map[string]any `json:"locks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Locks) != 2 {
		t.Fatalf("JSON %s: %v", r.stdout, err)
	}
	for _, lk := range out.Locks {
		for _, field := range []string{"resource", "owner", "lockTime", "expireTime", "fencingToken"} {
			if _, ok := lk[field]; !ok {
				t.Errorf("a listed lock lacks the service's field %q: %v", field, lk)
			}
		}
		if want := strconv.FormatUint(leases[lk["resource"].(string)].Fence, 10); lk["fencingToken"] != want {
			t.Errorf("fencingToken %v, want %q", lk["fencingToken"], want)
		}
	}
	if r := runCLI(ctx, nil, "ls", "-o", "yaml", "--server", url); r.code != exitUsage {
		t.Errorf("ls -o yaml: %+v", r)
	}
}

func TestBreakAndExtend(t *testing.T) {
	url, leases := adminService(t, "stuck")
	ctx := context.Background()
	old := leases["stuck"]
	r := runCLI(ctx, nil, "extend", "stuck", "--lease", old.Token, "--ttl", "20s", "--server", url)
	if r.code != exitOK {
		t.Fatalf("extend: %+v", r)
	}
	var ext distlockv1.ExtendResponse
	if err := unmarshalProto(r.stdout, &ext); err != nil || ext.GetTtl().AsDuration() != 20*time.Second ||
		ext.GetFencingToken() != old.Fence || !ext.GetExpireTime().AsTime().After(time.Now()) {
		t.Errorf("extend printed %s (%v)", r.stdout, err)
	}
	if r := runCLI(ctx, nil, "break", "stuck", "--server", url); r.code != exitUsage || !strings.Contains(r.stderr, "--reason") {
		t.Errorf("break without --reason: %+v", r)
	}
	r = runCLI(ctx, nil, "break", "stuck", "--reason", "job hung", "--server", url)
	if r.code != exitOK {
		t.Fatalf("break: %+v", r)
	}
	var broken distlockv1.ForceReleaseResponse
	if err := unmarshalProto(r.stdout, &broken); err != nil || broken.GetOwner() != "cron" ||
		broken.GetFencingToken() != old.Fence || broken.GetAdvancedFencingToken() <= old.Fence {
		t.Errorf("break printed %s (%v)", r.stdout, err)
	}
	if !strings.Contains(r.stdout, `"advancedFencingToken"`) {
		t.Errorf("break's JSON does not use the service's field names: %s", r.stdout)
	}
	r = runCLI(ctx, nil, "extend", "stuck", "--lease", old.Token, "--server", url)
	if r.code != exitNotHeld || r.stdout != "" {
		t.Errorf("extend after break: %+v, want exit %d and no output", r, exitNotHeld)
	}
	r = runCLI(ctx, nil, "break", "stuck", "--reason", "again", "--server", url)
	if r.code != exitNotHeld || r.stdout != "" || !strings.Contains(r.stderr, "free") {
		t.Errorf("break of a free lock: %+v", r)
	}
}

func unmarshalProto(s string, m proto.Message) error { return protojson.Unmarshal([]byte(s), m) }
