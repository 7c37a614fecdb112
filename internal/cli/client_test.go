package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func TestAcquireInfoRelease(t *testing.T) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()

	r := runCLI(ctx, nil, "acquire", "cli/orders-42", "--server", url, "--owner", "billing", "--ttl", "10s", "--data", "x")
	if r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	var lease distlockv1.AcquireResponse
	decodeJSON(t, r.stdout, &lease, "resource", "leaseToken", "fencingToken", "ttl", "lockTime", "expireTime")
	if lease.Resource != "cli/orders-42" || lease.LeaseToken == "" || lease.FencingToken == 0 || lease.Ttl.AsDuration() != 10*time.Second {
		t.Errorf("acquire printed %v, want the resource, a lease token, a fencing token, ttl 10s", &lease)
	}
	if !lease.ExpireTime.AsTime().After(lease.LockTime.AsTime()) {
		t.Errorf("acquire printed expireTime %v, not after lockTime %v", lease.ExpireTime.AsTime(), lease.LockTime.AsTime())
	}

	r = runCLI(ctx, nil, "info", "--server", url, "cli/orders-42")
	if r.code != 0 {
		t.Fatalf("info: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	var info distlockv1.InfoResponse
	decodeJSON(t, r.stdout, &info, "owner", "lockTime", "expireTime", "fencingToken")
	if info.Owner != "billing" || info.FencingToken != lease.FencingToken || !info.LockTime.AsTime().Equal(lease.LockTime.AsTime()) {
		t.Errorf("info printed %v, want held by billing since the grant, fencing token %d", &info, lease.FencingToken)
	}

	if r = runCLI(ctx, nil, "release", "cli/orders-42", "--lease", lease.LeaseToken, "--server", url); r.code != 0 {
		t.Fatalf("release: exit %d, stderr %s", r.code, r.stderr)
	}
	if r = runCLI(ctx, nil, "release", "cli/orders-42", "--lease", lease.LeaseToken, "--server", url); r.code != exitNotHeld {
		t.Errorf("second release: exit %d, want %d; stderr %s", r.code, exitNotHeld, r.stderr)
	}
}

// TestInfoOfFreeLock holds decision 3 of sdks/POLICY.md: a free lock is the not-held
// outcome, as in every SDK: exit 4, one line on stderr, nothing on stdout.
func TestInfoOfFreeLock(t *testing.T) {
	t.Parallel()
	url := startService(t)
	r := runCLI(t.Context(), nil, "info", "cli/free", "--server", url)
	if r.code != exitNotHeld || r.stdout != "" {
		t.Errorf("info of a free lock: exit %d, stdout %q; want %d and nothing", r.code, r.stdout, exitNotHeld)
	}
	if lines := strings.Count(r.stderr, "\n"); lines != 1 || !strings.Contains(r.stderr, `"cli/free" is free`) {
		t.Errorf("info of a free lock: stderr %q, want one line saying it is free", r.stderr)
	}
}

// decodeJSON parses out as the service's JSON into m, which fails on any field the
// message does not have, and checks that each of names is present under that name.
func decodeJSON(t *testing.T, out string, m proto.Message, names ...string) {
	t.Helper()
	if err := protojson.Unmarshal([]byte(out), m); err != nil {
		t.Fatalf("output %q is not the service's JSON for %T: %v", out, m, err)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(out), &fields); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if _, ok := fields[name]; !ok {
			t.Errorf("output %q has no field %q", out, name)
		}
	}
}

func TestAcquireOfHeldLockExitsNotAcquired(t *testing.T) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()
	if r := runCLI(ctx, nil, "acquire", "cli/busy", "--server", url); r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, wait := range []string{"0", "1s"} {
		r := runCLI(ctx, nil, "acquire", "cli/busy", "--server", url, "--wait", wait)
		if r.code != exitNotAcquired || r.stdout != "" {
			t.Errorf("acquire --wait %s of a held lock: exit %d, stdout %q; want %d and nothing", wait, r.code, r.stdout, exitNotAcquired)
		}
	}
}

func TestClientCommandsRejectBadUsage(t *testing.T) {
	t.Parallel()
	// None of these reaches a service: the URL is unreachable, and would give exit 1.
	dead := "--server=http://127.0.0.1:1"
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"acquire", dead}, exitUsage},
		{[]string{"acquire", "a", "b", dead}, exitUsage},
		{[]string{"acquire", "r", "--ttl", "1s", dead}, exitUsage},
		{[]string{"acquire", "r", "--ttl", "1h", dead}, exitUsage},
		{[]string{"acquire", "r", "--wait", "-1s", dead}, exitUsage},
		{[]string{"acquire", "r", "--wait", "soon", dead}, exitUsage},
		{[]string{"acquire", "r", "--owner", strings.Repeat("o", 300), dead}, exitUsage},
		{[]string{"acquire", "", dead}, exitUsage},
		{[]string{"acquire", "r", "--no-such-flag", dead}, exitUsage},
		{[]string{"acquire", "r", "--server", "ftp://x"}, exitUsage},
		{[]string{"release", "r", dead}, exitUsage},
		{[]string{"release", dead, "--lease", "t"}, exitUsage},
		{[]string{"info", dead}, exitUsage},
		{[]string{"run", "r", dead, "true"}, exitUsage},
		{[]string{"run", "r", dead, "--"}, exitUsage},
		{[]string{"run", dead, "--", "true"}, exitUsage},
		{[]string{"run", "r", "--ttl", "2s", dead, "--", "true"}, exitUsage},
		{[]string{"run", "r", "--grace", "0s", dead, "--", "true"}, exitUsage},
		{[]string{"acquire", "-h"}, exitOK},
		{[]string{"run", "-h"}, exitOK},
		{[]string{"info", "r", dead}, exitFailure}, // the control: this one does call
	}
	for _, tt := range tests {
		r := runCLI(t.Context(), nil, tt.args...)
		if r.code != tt.code {
			t.Errorf("distlock %s: exit %d, want %d; stderr:\n%s", strings.Join(tt.args, " "), r.code, tt.code, r.stderr)
		}
	}
}

// TestServerURLWithoutScheme holds decision 4 of sdks/POLICY.md: a URL without a
// scheme is bad input before any call, in the SDK's words.
func TestServerURLWithoutScheme(t *testing.T) {
	t.Parallel()
	_, want := distlock.New("127.0.0.1:8080")
	if want == nil {
		t.Fatal("distlock.New accepted a URL without a scheme")
	}
	for _, args := range [][]string{
		{"acquire", "r", "--server", "127.0.0.1:8080"},
		{"release", "r", "--lease", "t", "--server", "127.0.0.1:8080"},
		{"info", "r", "--server", "127.0.0.1:8080"},
		{"run", "r", "--server", "127.0.0.1:8080", "--", "true"},
	} {
		r := runCLI(t.Context(), nil, args...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, want.Error()) {
			t.Errorf("distlock %s: exit %d, stdout %q, stderr %q; want %d and the SDK's %q",
				args[0], r.code, r.stdout, r.stderr, exitUsage, want)
		}
	}
}

func TestServerComesFromFlagThenEnvironment(t *testing.T) {
	url := startService(t)
	ctx := t.Context()
	env := map[string]string{}
	lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	t.Cleanup(func() { lookupEnv = defaultLookupEnv })

	if r := runCLI(ctx, nil, "info", "-h"); !strings.Contains(r.stderr, defaultServer) {
		t.Errorf("without DISTLOCK_SERVER the default is not %s:\n%s", defaultServer, r.stderr)
	}
	env[serverEnv] = url
	if r := runCLI(ctx, nil, "info", "cli/env"); r.code != exitNotHeld {
		t.Errorf("info with DISTLOCK_SERVER: exit %d, want %d (the service answered); stderr %s", r.code, exitNotHeld, r.stderr)
	}
	env[serverEnv] = "http://127.0.0.1:1"
	if r := runCLI(ctx, nil, "info", "cli/env", "--server", url); r.code != exitNotHeld {
		t.Errorf("--server over DISTLOCK_SERVER: exit %d, want %d; stderr %s", r.code, exitNotHeld, r.stderr)
	}
	if r := runCLI(ctx, nil, "info", "cli/env"); r.code != exitFailure {
		t.Errorf("DISTLOCK_SERVER unreachable: exit %d, want %d; stderr %s", r.code, exitFailure, r.stderr)
	}
}
