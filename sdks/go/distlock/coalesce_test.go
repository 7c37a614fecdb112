package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
	"google.golang.org/protobuf/types/known/durationpb"
)

// gatedFake is a fake whose Extend of the resource "gate" blocks until open is closed
// or sent to,
// so that a test can hold one request in flight while other calls queue behind it. Its
// other Extends answer with a fencing token read from the resource name ("r7" → 7); its
// Releases succeed.
func gatedFake() (f *fakeService, entered, open chan struct{}) {
	entered, open = make(chan struct{}, 1), make(chan struct{})
	f = &fakeService{
		extend: func(_ context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
			if req.Msg.GetResource() == "gate" {
				entered <- struct{}{}
				<-open
			}
			var fence uint64
			fmt.Sscanf(req.Msg.GetResource(), "r%d", &fence)
			return &distlockv1.ExtendResponse{Ttl: req.Msg.GetTtl(), FencingToken: fence}, nil
		},
		release: func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error { return nil },
	}
	return f, entered, open
}

// waitQueued waits until n calls of l are queued for a Batch.
func waitQueued(t *testing.T, l *distlock.Lessor, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); distlock.QueuedCalls(l) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", distlock.QueuedCalls(l), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockGate starts an Extend of "gate" and returns once the fake holds it: every call l
// makes from then on queues until open is closed. The returned channel gives its error.
func blockGate(t *testing.T, l *distlock.Lessor, entered chan struct{}) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := l.Extend(context.Background(), driver.Lease{Resource: "gate", Token: "t"}, ttl)
		done <- err
	}()
	<-entered
	return done
}

func TestCoalescingSendsQueuedCallsInOneBatch(t *testing.T) {
	f, entered, open := gatedFake()
	var seen sync.Map // resource -> the Authorization and X-Team headers it came with
	ext := f.extend
	f.extend = func(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
		seen.Store(req.Msg.GetResource(), req.Header().Get("Authorization")+"|"+req.Header().Get("X-Team"))
		return ext(ctx, req)
	}
	l := newLessor(t, startFake(t, f), distlock.WithToken("s3cret-token-value"), distlock.WithHeader("X-Team", "blue"))
	gate := blockGate(t, l, entered)

	const n = 50
	var wg sync.WaitGroup
	fences := make([]uint64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			lease, err := l.Extend(t.Context(), driver.Lease{Resource: fmt.Sprintf("r%d", i+1), Token: "t"}, ttl)
			fences[i], errs[i] = lease.Fence, err
		})
	}
	waitQueued(t, l, n)
	close(open)
	wg.Wait()
	if err := <-gate; err != nil {
		t.Fatalf("gate Extend: %v", err)
	}
	for i := range n {
		if errs[i] != nil || fences[i] != uint64(i+1) {
			t.Errorf("call %d: fence %d, err %v; want fence %d", i, fences[i], errs[i], i+1)
		}
	}
	// One unary Extend for the gate, then one Batch for the 50 calls queued behind it.
	if got := f.count("Batch"); got != 1 {
		t.Errorf("%d Batch requests, want 1", got)
	}
	if !slices.Equal(f.batchSizes, []int{n}) {
		t.Errorf("batch sizes %v, want [%d]", f.batchSizes, n)
	}
	seen.Range(func(k, v any) bool {
		if v != "Bearer s3cret-token-value|blue" {
			t.Errorf("%v came with headers %q, want the token and X-Team", k, v)
		}
		return true
	})
}

func TestCoalescingLoneCallsGoUnary(t *testing.T) {
	f, _, _ := gatedFake()
	l := newLessor(t, startFake(t, f))
	for i := range 5 {
		if _, err := l.Extend(t.Context(), driver.Lease{Resource: fmt.Sprintf("r%d", i+1), Token: "t"}, ttl); err != nil {
			t.Fatal(err)
		}
	}
	if f.count("Batch") != 0 || f.count("Extend") != 5 {
		t.Errorf("calls %v, want 5 unary Extends and no Batch", f.calls)
	}
}

// mixedFake answers each resource with a different result: a grant, each error code of
// the contract, a named quota.
func mixedFake() (f *fakeService, entered, open chan struct{}) {
	f, entered, open = gatedFake()
	f.acquire = func(_ context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		switch r := req.Msg.GetResource(); r {
		case "free":
			return &distlockv1.AcquireResponse{Resource: r, LeaseToken: "tok", FencingToken: 9, Ttl: durationpb.New(ttl)}, nil
		case "held":
			return nil, connect.NewError(connect.CodeAborted, errors.New("held by another"))
		case "quota":
			return nil, connect.NewError(connect.CodeResourceExhausted, errors.New(`quota max_held (1) reached for "ci"`))
		case "denied":
			return nil, connect.NewError(connect.CodePermissionDenied, errors.New("outside your namespace"))
		default:
			return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("bad resource"))
		}
	}
	ext := f.extend
	f.extend = func(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
		if req.Msg.GetResource() == "gone" {
			return nil, connect.NewError(connect.CodeNotFound, errors.New("lease not held"))
		}
		return ext(ctx, req)
	}
	return f, entered, open
}

// mixedCalls makes one call per outcome of mixedFake and returns each one's result.
func mixedCalls(ctx context.Context, l *distlock.Lessor) []string {
	acq := func(r string) func() string {
		return func() string {
			lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
			return fmt.Sprintf("fence %d token %q err %v", lease.Fence, lease.Token, err)
		}
	}
	calls := []func() string{
		acq("free"), acq("held"), acq("quota"), acq("denied"),
		func() string {
			_, err := l.Extend(ctx, driver.Lease{Resource: "gone", Token: "t"}, ttl)
			return fmt.Sprintf("err %v notheld %v", err, errors.Is(err, core.ErrNotHeld))
		},
		func() string {
			err := l.Release(ctx, driver.Lease{Resource: "r1", Token: "t", Validity: time.Now().Add(ttl)})
			return fmt.Sprintf("err %v", err)
		},
	}
	out := make([]string, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() { out[i] = c() })
	}
	wg.Wait()
	return out
}

func TestCoalescingGivesEachCallItsUnaryResult(t *testing.T) {
	// The same calls, alone and coalesced, must give the same results and errors.
	plain, _, _ := mixedFake()
	unary := mixedCalls(t.Context(), newLessor(t, startFake(t, plain), distlock.WithoutCoalescing()))

	f, entered, open := mixedFake()
	l := newLessor(t, startFake(t, f))
	gate := blockGate(t, l, entered)
	res := make(chan []string)
	go func() { res <- mixedCalls(t.Context(), l) }()
	waitQueued(t, l, 6)
	close(open)
	batched := <-res
	<-gate
	if f.count("Batch") != 1 {
		t.Fatalf("%d Batch requests, want 1 (calls %v)", f.count("Batch"), f.calls)
	}
	for i := range unary {
		if unary[i] != batched[i] {
			t.Errorf("call %d:\n unary   %s\n batched %s", i, unary[i], batched[i])
		}
	}
	// The quota is named from the message, batched or not.
	if _, err := l.Acquire(t.Context(), "quota", driver.LeaseOptions{TTL: ttl}); !errors.As(err, new(*distlock.QuotaError)) {
		t.Errorf("quota err = %v, want a QuotaError", err)
	}
}

func TestCoalescingReleasesAGrantItsCallerGaveUpOn(t *testing.T) {
	f, entered, open := gatedFake()
	acquiring, grant := make(chan struct{}), make(chan struct{})
	f.acquire = func(_ context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		close(acquiring)
		<-grant
		return &distlockv1.AcquireResponse{Resource: req.Msg.GetResource(), LeaseToken: "late-token", FencingToken: 1, Ttl: durationpb.New(ttl)}, nil
	}
	released := make(chan string, 1)
	f.release = func(_ context.Context, req *connect.Request[distlockv1.ReleaseRequest]) error {
		released <- req.Msg.GetLeaseToken()
		return nil
	}
	l := newLessor(t, startFake(t, f))
	gate := blockGate(t, l, entered)
	ctx, cancel := context.WithCancel(t.Context())
	acq := make(chan error, 1)
	go func() {
		_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: ttl, Wait: time.Minute})
		acq <- err
	}()
	waitQueued(t, l, 1)
	close(open)
	<-gate
	<-acquiring // sent alone, detached from its caller as a Batch is; the fake holds it
	cancel()
	if err := <-acq; !errors.Is(err, core.ErrAcquireTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire: err = %v, want the timeout error and context.Canceled", err)
	}
	close(grant)
	select {
	case tok := <-released:
		if tok != "late-token" {
			t.Errorf("released %q, want the late grant's token", tok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the grant nobody received was not released")
	}
}

func TestCoalescingFallsBackToUnaryWithoutBatch(t *testing.T) {
	f, entered, open := gatedFake()
	f.noBatch = true
	l := newLessor(t, startFake(t, f))
	extends := func() *sync.WaitGroup {
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				if _, err := l.Extend(t.Context(), driver.Lease{Resource: fmt.Sprintf("r%d", i+1), Token: "t"}, ttl); err != nil {
					t.Errorf("Extend: %v", err)
				}
			})
		}
		return &wg
	}
	// The first calls queue behind the gate and meet the unimplemented Batch: each is
	// then sent alone.
	gate := blockGate(t, l, entered)
	wg := extends()
	waitQueued(t, l, 10)
	open <- struct{}{}
	wg.Wait()
	<-gate
	if f.count("Batch") != 1 || f.count("Extend") != 11 {
		t.Errorf("calls %v, want one Batch answered unimplemented and 11 unary Extends", f.calls)
	}
	// From then on nothing queues: calls go alone while a request is in flight.
	gate = blockGate(t, l, entered)
	extends().Wait()
	open <- struct{}{}
	<-gate
	if f.count("Batch") != 1 || f.count("Extend") != 22 {
		t.Errorf("calls %v, want no other Batch and 22 unary Extends", f.calls)
	}
}

func TestCoalescingNeverQueuesAReleaseBehindWaitingAcquires(t *testing.T) {
	// Two Acquires wait at the service in one Batch for a lock that only a Release,
	// made after them, frees: that Release must not wait for their answer.
	f, entered, open := gatedFake()
	freed := make(chan struct{})
	f.acquire = func(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		select {
		case <-freed:
			return &distlockv1.AcquireResponse{Resource: req.Msg.GetResource(), LeaseToken: "t", FencingToken: 2, Ttl: durationpb.New(ttl)}, nil
		case <-ctx.Done():
			return nil, connect.NewError(connect.CodeAborted, errors.New("still held"))
		}
	}
	var once sync.Once
	f.release = func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error {
		once.Do(func() { close(freed) })
		return nil
	}
	l := newLessor(t, startFake(t, f))
	gate := blockGate(t, l, entered)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			lease, err := l.Acquire(t.Context(), "hot", driver.LeaseOptions{TTL: ttl, Wait: time.Minute})
			if err == nil {
				err = l.Release(t.Context(), lease)
			}
			if err != nil {
				t.Errorf("Acquire or Release: %v", err)
			}
		})
	}
	waitQueued(t, l, 2)
	close(open)
	<-gate
	for f.count("Acquire") < 2 {
		time.Sleep(time.Millisecond) // the Batch reached the fake
	}
	released := make(chan error, 1)
	go func() {
		released <- l.Release(context.Background(), driver.Lease{Resource: "hot", Token: "holder", Validity: time.Now().Add(ttl)})
	}()
	select {
	case err := <-released:
		if err != nil {
			t.Fatalf("Release: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the Release waited behind the Acquires it would wake")
	}
	wg.Wait()
}
