package connectsvc_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// TestLifecycleOverEveryProtocol runs a lock's whole life (acquire, contention, info,
// read, extend, release) through each protocol the service speaks.
func TestLifecycleOverEveryProtocol(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, nil)
			c := e.client(p)
			ctx := context.Background()
			resource := "orders/" + p.name

			acq, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{
				Resource: resource, Ttl: durationpb.New(7 * time.Second), Owner: "alice", Data: []byte("payload"),
			}))
			if err != nil {
				t.Fatal(err)
			}
			a := acq.Msg
			if a.GetResource() != resource || a.GetLeaseToken() == "" || a.GetFencingToken() == 0 ||
				a.GetTtl().AsDuration() != 7*time.Second || !a.GetExpireTime().AsTime().After(a.GetLockTime().AsTime()) {
				t.Fatalf("acquire response: %v", a)
			}

			_, err = c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource}))
			wantCode(t, err, connect.CodeAborted)

			info, err := c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: resource}))
			if err != nil {
				t.Fatal(err)
			}
			if info.Msg.GetOwner() != "alice" || info.Msg.GetFencingToken() != a.GetFencingToken() {
				t.Fatalf("info: %v", info.Msg)
			}
			read, err := c.Read(ctx, connect.NewRequest(&distlockv1.ReadRequest{Resource: resource}))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(read.Msg.GetData(), []byte("payload")) {
				t.Fatalf("read: %q", read.Msg.GetData())
			}
			if p.get {
				for _, proc := range []string{distlockv1connect.LockServiceInfoProcedure, distlockv1connect.LockServiceReadProcedure} {
					if m := e.httpMethods(proc); len(m) != 1 || m[0] != "GET" {
						t.Fatalf("%s travelled as %v, want GET", proc, m)
					}
				}
			}

			ext, err := c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{
				Resource: resource, LeaseToken: a.GetLeaseToken(), Ttl: durationpb.New(9 * time.Second),
			}))
			if err != nil {
				t.Fatal(err)
			}
			if ext.Msg.GetTtl().AsDuration() != 9*time.Second || ext.Msg.GetFencingToken() != a.GetFencingToken() {
				t.Fatalf("extend: %v", ext.Msg)
			}

			_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: resource, LeaseToken: a.GetLeaseToken()}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: resource}))
			wantCode(t, err, connect.CodeNotFound)
			_, err = c.Read(ctx, connect.NewRequest(&distlockv1.ReadRequest{Resource: resource}))
			wantCode(t, err, connect.CodeNotFound)
			_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: resource, LeaseToken: a.GetLeaseToken()}))
			wantCode(t, err, connect.CodeNotFound)
			_, err = c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: resource, LeaseToken: a.GetLeaseToken()}))
			wantCode(t, err, connect.CodeNotFound)

			// The next holder gets a larger fencing token.
			next, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource}))
			if err != nil {
				t.Fatal(err)
			}
			if next.Msg.GetFencingToken() <= a.GetFencingToken() {
				t.Fatalf("fencing token %d after %d", next.Msg.GetFencingToken(), a.GetFencingToken())
			}
			if next.Msg.GetTtl().AsDuration() != 30*time.Second {
				t.Fatalf("default ttl: got %v", next.Msg.GetTtl().AsDuration())
			}
		})
	}
}

// TestAcquireWaitsForRelease checks that a waiting Acquire is granted when the holder
// releases, and that it logs its progress while it waits.
func TestAcquireWaitsForRelease(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, connectsvc.WithLogger(slogNew(logs)), connectsvc.WithLongWaitLog(time.Millisecond))
	c := e.client(protocols[0])
	ctx := context.Background()
	first, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		resp *connect.Response[distlockv1.AcquireResponse]
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(time.Minute)}))
		done <- result{resp, err}
	}()
	for line := range logs.lines {
		if bytes.Contains([]byte(line), []byte("acquire still waiting")) {
			break
		}
	}
	if _, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "r", LeaseToken: first.Msg.GetLeaseToken()})); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("waiting acquire: %v", r.err)
	}
	if r.resp.Msg.GetFencingToken() <= first.Msg.GetFencingToken() {
		t.Fatalf("fencing token did not increase")
	}
	if bytes.Contains([]byte(logs.text()), []byte(first.Msg.GetLeaseToken())) {
		t.Fatal("a lease token was logged")
	}
}

// TestWaitIsBounded checks the wait the lessor is asked for: the request's, capped by the
// server's maximum and by the caller's deadline.
func TestWaitIsBounded(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithMaxWait(3*time.Second))
	c := e.client(protocols[0])
	n := 0
	acquire := func(ctx context.Context, wait *durationpb.Duration) {
		t.Helper()
		n++ // a free resource each time: the wait is recorded, not spent
		_, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: fmt.Sprint("r", n), Wait: wait}))
		if err != nil {
			t.Fatal(err)
		}
	}
	acquire(context.Background(), nil)
	acquire(context.Background(), durationpb.New(time.Second))
	acquire(context.Background(), durationpb.New(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	acquire(ctx, durationpb.New(time.Hour))

	e.spy.mu.Lock()
	waits := append([]time.Duration(nil), e.spy.waits...)
	e.spy.mu.Unlock()
	if len(waits) != 4 {
		t.Fatalf("waits: %v", waits)
	}
	if waits[0] != 0 || waits[1] != time.Second || waits[2] != 3*time.Second {
		t.Fatalf("waits: got %v, want [0 1s 3s ...]", waits)
	}
	if waits[3] <= 0 || waits[3] >= 2*time.Second {
		t.Fatalf("wait under a 2s deadline: got %v, want in (0, 2s)", waits[3])
	}
}

// TestDefaultTTLFollowsServerBounds checks that a request without a TTL gets the core's
// default clamped into the server's bounds, not a TTL the server would itself reject.
func TestDefaultTTLFollowsServerBounds(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithTTLBounds(time.Minute, 5*time.Minute))
	c := e.client(protocols[0])
	a, err := c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Msg.GetTtl().AsDuration(); got != time.Minute {
		t.Fatalf("default ttl under [1m, 5m]: got %v", got)
	}
	ext, err := c.Extend(context.Background(), connect.NewRequest(&distlockv1.ExtendRequest{Resource: "r", LeaseToken: a.Msg.GetLeaseToken()}))
	if err != nil {
		t.Fatal(err)
	}
	if got := ext.Msg.GetTtl().AsDuration(); got != time.Minute {
		t.Fatalf("default extend ttl under [1m, 5m]: got %v", got)
	}
}
