package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// The examples reach the service that TestMain starts through DISTLOCK_SERVER, as a
// program would; README.md shows their bodies.

func Example() {
	ctx := context.Background()
	service := os.Getenv("DISTLOCK_SERVER") // e.g. "http://127.0.0.1:8080"

	c := core.NewClient()
	defer c.Close()
	lock, err := c.TryLock(ctx, service, "example/orders-42", core.TTL(10*time.Second), core.Owner("billing"))
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Release(ctx)

	// Renewal runs in the background; Lost closes if it fails. Hand the fencing token to
	// the store you protect, so that it rejects writes from an older holder.
	select {
	case <-lock.Lost:
		log.Fatal("lost the lock")
	default:
		fmt.Println("holding", lock.Resource, "fencing token >0:", lock.FencingToken > 0)
	}
	// Output: holding example/orders-42 fencing token >0: true
}

func Example_busy() {
	ctx := context.Background()
	service := os.Getenv("DISTLOCK_SERVER")

	c := core.NewClient()
	defer c.Close()
	first, err := c.TryLock(ctx, service, "example/busy")
	if err != nil {
		log.Fatal(err)
	}
	defer first.Release(ctx)

	// TryLock waits until the lock is free or its context ends.
	waitCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	other := core.NewClient()
	defer other.Close()
	_, err = other.TryLock(waitCtx, service, "example/busy")
	fmt.Println("timed out:", errors.Is(err, core.ErrAcquireTimeout))
	// Output: timed out: true
}

func Example_infoAndRead() {
	ctx := context.Background()
	service := os.Getenv("DISTLOCK_SERVER")

	c := core.NewClient()
	defer c.Close()
	lock, err := c.TryLock(ctx, service, "example/report",
		core.Owner("reporter on host-7"), core.Data([]byte(`{"step":3}`)))
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Release(ctx)

	info, err := c.Info(ctx, service, "example/report")
	if err != nil {
		log.Fatal(err)
	}
	data, err := c.Read(ctx, service, "example/report")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Owner, string(data), info.FencingToken == lock.FencingToken)
	// Output: reporter on host-7 {"step":3} true
}

func ExampleNew() {
	ctx := context.Background()
	service := os.Getenv("DISTLOCK_SERVER")

	// New gives a Lessor with options; core.OpenClient wires it without the registry,
	// and the client renews its locks as it does for a URL.
	opts := []distlock.Option{distlock.WithCallWait(10 * time.Second)}
	if token := os.Getenv("DISTLOCK_TOKEN"); token != "" {
		opts = append(opts, distlock.WithToken(token)) // for a service started with --auth
	}
	l, err := distlock.New(service, opts...)
	if err != nil {
		log.Fatal(err)
	}
	c := core.OpenClient(service, l) // c.Close closes l
	defer c.Close()
	lock, err := c.TryLock(ctx, service, "example/new", core.TTL(30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer lock.Release(ctx)
	fmt.Println("holding", lock.Resource)
	// Output: holding example/new
}
