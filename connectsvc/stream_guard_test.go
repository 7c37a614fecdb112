package connectsvc_test

import (
	"context"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestGuardCoversStreams: Hold asks for acquire and stores the guard's owner label;
// Watch asks for read, and a prefix watch asks about a name that only a rule for every
// name with the prefix allows.
func TestGuardCoversStreams(t *testing.T) {
	g := &denyGuard{}
	e := newEnv(t, nil, connectsvc.WithGuard(g))
	c := e.client(streamProtocols[0])
	ctx := context.Background()
	for _, open := range []func() error{
		func() error {
			ch, end := hold(t, ctx, c, &distlockv1.HoldRequest{Resource: "r"})
			_, err := ended(t, ch, end)
			return err
		},
		func() error {
			ch, end := watch(t, ctx, c, &distlockv1.WatchRequest{Resource: "r"})
			_, err := ended(t, ch, end)
			return err
		},
		func() error {
			ch, end := watch(t, ctx, c, &distlockv1.WatchRequest{Resource: "mine", Prefix: true})
			_, err := ended(t, ch, end)
			return err
		},
	} {
		wantCode(t, open(), connect.CodePermissionDenied)
	}
	if n := e.spy.count(); n != 0 {
		t.Fatalf("%d lessor calls after denials", n)
	}
	want := "[acquire r read r read mine\x00]"
	if got := fmt.Sprint(g.asked); got != want {
		t.Fatalf("asked %q, want %q", got, want)
	}
	ch, _ := hold(t, ctx, c, &distlockv1.HoldRequest{Resource: "mine", Owner: "label"})
	if next(t, ch).GetGranted() == nil {
		t.Fatal("an allowed Hold was not granted")
	}
	info, err := e.spy.Lessor.Info(ctx, "mine")
	if err != nil || info.Owner != "p/label" {
		t.Fatalf("owner of a held lock: %+v, %v; want the guard's p/label", info, err)
	}
}
