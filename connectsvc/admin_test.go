package connectsvc_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

func acquireN(t *testing.T, c interface {
	Acquire(context.Context, *connect.Request[distlockv1.AcquireRequest]) (*connect.Response[distlockv1.AcquireResponse], error)
}, names ...string) []*distlockv1.AcquireResponse {
	t.Helper()
	var out []*distlockv1.AcquireResponse
	for _, name := range names {
		res, err := c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: name, Owner: "job"}))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Msg)
	}
	return out
}

func TestListPagesThroughHeldLocks(t *testing.T) {
	g := &adminGuard{}
	e := newEnv(t, nil, connectsvc.WithGuard(g))
	for _, p := range []protocol{protocols[1], protocols[2], protocols[4]} {
		t.Run(p.name, func(t *testing.T) {
			c := e.client(p)
			prefix := p.name + "/"
			grants := acquireN(t, c, prefix+"a", prefix+"b", prefix+"c")
			var got []*distlockv1.ListedLock
			token := ""
			for {
				res, err := c.List(context.Background(), connect.NewRequest(&distlockv1.ListRequest{Prefix: prefix, PageSize: 2, PageToken: token}))
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Msg.GetLocks()) > 2 {
					t.Fatalf("a page of %d, asked for 2", len(res.Msg.GetLocks()))
				}
				got = append(got, res.Msg.GetLocks()...)
				if token = res.Msg.GetNextPageToken(); token == "" {
					break
				}
			}
			if len(got) != 3 {
				t.Fatalf("listed %d locks, want 3: %v", len(got), got)
			}
			for i, l := range got {
				if l.GetResource() != grants[i].GetResource() || l.GetOwner() != "job" ||
					l.GetFencingToken() != grants[i].GetFencingToken() || !l.GetExpireTime().AsTime().After(time.Now()) {
					t.Errorf("listed %v, granted %v", l, grants[i])
				}
			}
		})
	}
	if !slices.Contains(g.asked, "read connect-json/\x00") {
		t.Errorf("the guard was asked %q, want the prefix as a prefix watch is", g.asked)
	}
}

func TestListCapsThePageSize(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(protocols[0])
	acquireN(t, c, "x")
	res, err := c.List(context.Background(), connect.NewRequest(&distlockv1.ListRequest{PageSize: 1 << 30}))
	if err != nil || len(res.Msg.GetLocks()) != 1 {
		t.Fatalf("%v, %v", res, err)
	}
	_, err = c.List(context.Background(), connect.NewRequest(&distlockv1.ListRequest{PageToken: "not a token"}))
	wantCode(t, err, connect.CodeInvalidArgument)
}

func TestForceReleaseBreaksAuditsAndAdvances(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, connectsvc.WithGuard(&adminGuard{}), withLogs(logs))
	c := e.client(protocols[1])
	ctx := context.Background()
	old := acquireN(t, c, "stuck")[0]
	res, err := c.ForceRelease(ctx, connect.NewRequest(&distlockv1.ForceReleaseRequest{Resource: "stuck", Reason: "nightly job hung"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetOwner() != "job" || res.Msg.GetFencingToken() != old.GetFencingToken() ||
		res.Msg.GetAdvancedFencingToken() <= old.GetFencingToken() {
		t.Errorf("broke %v, holder was %v", res.Msg, old)
	}
	_, err = c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "stuck", LeaseToken: old.GetLeaseToken()}))
	wantCode(t, err, connect.CodeNotFound)
	next := acquireN(t, c, "stuck")[0]
	if next.GetFencingToken() <= old.GetFencingToken()+1 {
		t.Errorf("next fencing token %d, broken %d: not advanced", next.GetFencingToken(), old.GetFencingToken())
	}
	var audit []string
	for _, line := range strings.Split(logs.text(), "\n") {
		if strings.HasPrefix(line, "audit: force release") {
			audit = append(audit, line)
		}
	}
	if len(audit) != 1 {
		t.Fatalf("audit lines %q, want one", audit)
	}
	for _, want := range []string{"principal=ops", "resource=stuck", "reason=nightly job hung", "outcome=ok"} {
		if !strings.Contains(audit[0], want) {
			t.Errorf("audit line %q lacks %s", audit[0], want)
		}
	}
}

func TestForceReleaseRefusals(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, connectsvc.WithGuard(&adminGuard{}), withLogs(logs))
	c := e.client(protocols[0])
	ctx := context.Background()
	for _, tc := range []struct {
		req  *distlockv1.ForceReleaseRequest
		code connect.Code
	}{
		{&distlockv1.ForceReleaseRequest{Resource: "r"}, connect.CodeInvalidArgument},
		{&distlockv1.ForceReleaseRequest{Resource: "r", Reason: strings.Repeat("x", connectsvc.MaxReasonLen+1)}, connect.CodeInvalidArgument},
		{&distlockv1.ForceReleaseRequest{Resource: "", Reason: "why"}, connect.CodeInvalidArgument},
		{&distlockv1.ForceReleaseRequest{Resource: "guarded", Reason: "why"}, connect.CodePermissionDenied},
	} {
		_, err := c.ForceRelease(ctx, connect.NewRequest(tc.req))
		wantCode(t, err, tc.code)
	}
	if n := e.spy.called("ForceRelease"); n != 0 {
		t.Fatalf("%d refused calls reached the lessor", n)
	}
	_, err := c.ForceRelease(ctx, connect.NewRequest(&distlockv1.ForceReleaseRequest{Resource: "free", Reason: "why"}))
	wantCode(t, err, connect.CodeNotFound)
	if !strings.Contains(logs.text(), "outcome=not_found") {
		t.Errorf("a call that found no lock is not audited: %s", logs.text())
	}
}

func TestAdminCallsOfABackendWithoutThem(t *testing.T) {
	store := memory.New()
	defer store.Close()
	srv := httptest.NewServer(connectsvc.New(bare{store}).Handler())
	defer srv.Close()
	c := distlockv1connect.NewLockServiceClient(srv.Client(), srv.URL)
	_, err := c.List(context.Background(), connect.NewRequest(&distlockv1.ListRequest{}))
	wantCode(t, err, connect.CodeUnimplemented)
	_, err = c.ForceRelease(context.Background(), connect.NewRequest(&distlockv1.ForceReleaseRequest{Resource: "r", Reason: "why"}))
	wantCode(t, err, connect.CodeUnimplemented)
}
