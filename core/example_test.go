package core_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/distlock/distlock/core"
	_ "github.com/distlock/distlock/core/memory" // memory://
)

func Example() {
	ctx := context.Background()
	c := core.NewClient()
	defer c.Close()

	const svc = "memory://example" // redis://h1:6379,h2:6379,h3:6379 in production
	lock, err := c.TryLock(ctx, svc, "orders/42",
		core.TTL(10*time.Second), core.Owner("worker-1"), core.Data([]byte("step 3")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("fencing token:", lock.FencingToken)

	info, _ := c.Info(ctx, svc, "orders/42")
	data, _ := c.Read(ctx, svc, "orders/42")
	fmt.Printf("owner %v, payload %q, expires in %v\n", info.Owner, data, info.ExpireTime.Sub(info.LockTime))

	_ = lock.Release(ctx)
	_, err = c.Info(ctx, svc, "orders/42")
	fmt.Println("after release:", errors.Is(err, core.ErrNotHeld))

	// Output:
	// fencing token: 1
	// owner worker-1, payload "step 3", expires in 10s
	// after release: true
}

func ExampleClient_TryLock_timeout() {
	ctx := context.Background()
	holder, waiter := core.NewClient(), core.NewClient()
	defer holder.Close()
	defer waiter.Close()

	const svc = "memory://example-timeout"
	lock, _ := holder.TryLock(ctx, svc, "report")
	defer lock.Release(ctx)

	// TryLock waits while another holds the lock, until its context is done.
	wait, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err := waiter.TryLock(wait, svc, "report")
	fmt.Println(errors.Is(err, core.ErrAcquireTimeout), errors.Is(err, context.DeadlineExceeded))

	// Output:
	// true true
}

func ExampleLock_Lost() {
	ctx := context.Background()
	c := core.NewClient()
	defer c.Close()

	lock, _ := c.TryLock(ctx, "memory://example-lost", "job")
	work := make(chan struct{})
	go func() {
		defer close(work)
		// Do the work while the lock is held; stop when it is lost.
		<-lock.Lost
		fmt.Println("lost or released: stop writing")
	}()
	_ = lock.Release(ctx) // Release also closes Lost
	<-work

	// Output:
	// lost or released: stop writing
}
