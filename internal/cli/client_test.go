package cli

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestAcquireInfoRelease(t *testing.T) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()

	r := runCLI(ctx, nil, "acquire", "cli/orders-42", "--server", url, "--owner", "billing", "--ttl", "10s", "--data", "x")
	if r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	var lease leaseJSON
	if err := json.Unmarshal([]byte(r.stdout), &lease); err != nil {
		t.Fatalf("acquire printed %q: %v", r.stdout, err)
	}
	fence, err := strconv.ParseUint(lease.FencingToken, 10, 64)
	if lease.Resource != "cli/orders-42" || lease.LeaseToken == "" || err != nil || fence == 0 || lease.TTL != "10s" || lease.Owner != "billing" {
		t.Errorf("acquire printed %+v, want the resource, a lease token, a fencing token, ttl 10s, owner billing", lease)
	}

	r = runCLI(ctx, nil, "info", "--server", url, "cli/orders-42")
	var info infoJSON
	if err := json.Unmarshal([]byte(r.stdout), &info); r.code != 0 || err != nil {
		t.Fatalf("info: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if !info.Held || info.Owner != "billing" || info.FencingToken != lease.FencingToken || info.ExpireTime == "" {
		t.Errorf("info printed %+v, want held by billing with fencing token %s", info, lease.FencingToken)
	}

	if r = runCLI(ctx, nil, "release", "cli/orders-42", "--lease", lease.LeaseToken, "--server", url); r.code != 0 {
		t.Fatalf("release: exit %d, stderr %s", r.code, r.stderr)
	}
	if r = runCLI(ctx, nil, "release", "cli/orders-42", "--lease", lease.LeaseToken, "--server", url); r.code != exitNotHeld {
		t.Errorf("second release: exit %d, want %d; stderr %s", r.code, exitNotHeld, r.stderr)
	}
	r = runCLI(ctx, nil, "info", "cli/orders-42", "--server", url)
	if r.code != exitNotHeld || !strings.Contains(r.stdout, `"held": false`) {
		t.Errorf("info of a free resource: exit %d, stdout %q; want %d and held false", r.code, r.stdout, exitNotHeld)
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
