package connectsvc_test

import (
	"context"
	"errors"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// denyGuard denies every call and labels owners with a fixed principal.
type denyGuard struct{ asked []string }

func (g *denyGuard) Authorize(_ context.Context, verb, resource string) error {
	g.asked = append(g.asked, verb+" "+resource)
	if resource == "mine" {
		return nil
	}
	return errors.New("not yours")
}

func (g *denyGuard) Owner(_ context.Context, label string) string { return "p/" + label }

// TestGuardIsAskedBeforeTheLessor: each method asks the guard with its verb, a denial
// is permission_denied and reaches no lessor, and the guard's owner label is stored.
func TestGuardIsAskedBeforeTheLessor(t *testing.T) {
	g := &denyGuard{}
	e := newEnv(t, nil, connectsvc.WithGuard(g))
	c := e.client(protocols[0])
	ctx := context.Background()
	_, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	wantCode(t, err, connect.CodePermissionDenied)
	_, err = c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "r", LeaseToken: "t"}))
	wantCode(t, err, connect.CodePermissionDenied)
	_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "r", LeaseToken: "t"}))
	wantCode(t, err, connect.CodePermissionDenied)
	_, err = c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
	wantCode(t, err, connect.CodePermissionDenied)
	_, err = c.Read(ctx, connect.NewRequest(&distlockv1.ReadRequest{Resource: "r"}))
	wantCode(t, err, connect.CodePermissionDenied)
	if n := e.spy.count(); n != 0 {
		t.Fatalf("%d lessor calls after denials", n)
	}
	want := []string{"acquire r", "acquire r", "acquire r", "read r", "read r"}
	if len(g.asked) != len(want) {
		t.Fatalf("asked %v, want %v", g.asked, want)
	}
	for i := range want {
		if g.asked[i] != want[i] {
			t.Fatalf("asked %v, want %v", g.asked, want)
		}
	}
	if _, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "mine", Owner: "label"})); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "mine"}))
	if err != nil || info.Msg.GetOwner() != "p/label" {
		t.Fatalf("owner: %v, %v", info, err)
	}
}
