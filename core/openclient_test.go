package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/memory"
)

func TestOpenClientServesItsLessorWithoutTheRegistry(t *testing.T) {
	ctx := context.Background()
	// A scheme nobody registered: only OpenClient can make this service reachable.
	const svc = "unregistered://orders"
	c := core.OpenClient(svc, memory.New())
	defer c.Close()
	lock, err := c.TryLock(ctx, svc, "r", core.Owner("worker-1"))
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	info, err := c.Info(ctx, svc, "r")
	if err != nil || info.Owner != "worker-1" || info.FencingToken != lock.FencingToken {
		t.Fatalf("Info = %+v, %v; want the lock's owner and fencing token", info, err)
	}
	if err := c.Release(ctx, svc, "r"); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

func TestOpenClientRejectsOtherServices(t *testing.T) {
	c := core.OpenClient("mine", memory.New())
	defer c.Close()
	other := "memory://user:s3cret@elsewhere"
	_, err := c.TryLock(context.Background(), other, "r")
	if !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("TryLock on another service: %v, want ErrInvalidArgument", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q repeats a service string that may carry a password", err)
	}
}

func TestOpenClientCloseClosesTheLessor(t *testing.T) {
	closed := 0
	c := core.OpenClient("svc", &fakeLessor{closed: func() { closed++ }})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if closed != 1 {
		t.Errorf("the Lessor was closed %d times, want 1", closed)
	}
	if _, err := c.Info(context.Background(), "svc", "r"); !errors.Is(err, core.ErrClosed) {
		t.Errorf("Info after Close: %v, want ErrClosed", err)
	}
}
