package redlock_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
)

// Example locks a resource over three Redis masters (embedded ones here), reads who
// holds it, and releases it.
func Example() {
	var addrs []string
	for range 3 {
		m, err := miniredis.Run()
		if err != nil {
			log.Fatal(err)
		}
		defer m.Close()
		addrs = append(addrs, m.Addr())
	}
	// Fresh, throw-away servers: no restart quarantine (see WithQuarantine).
	c, err := redlock.New(addrs, redlock.WithQuarantine(0))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ctx := context.Background()
	lease, err := c.Acquire(ctx, "orders/42", driver.LeaseOptions{
		TTL: 10 * time.Second, Owner: "billing-worker", Data: []byte("batch 7"), Wait: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	info, err := c.Info(ctx, "orders/42")
	if err != nil {
		log.Fatal(err)
	}
	data, err := c.Read(ctx, "orders/42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Owner, string(data), info.FencingToken == lease.Fence)
	if err := c.Release(ctx, lease); err != nil {
		log.Fatal(err)
	}
	_, err = c.Info(ctx, "orders/42")
	fmt.Println(err)
	// Output:
	// billing-worker batch 7 true
	// distlock: lock not held
}

// ExampleOpen shows the service URL form that driver.Open dispatches to this package.
func ExampleOpen() {
	l, err := driver.Open("redis://10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379/0?node_timeout=200ms&quarantine=10m")
	fmt.Println(err)
	if err == nil {
		defer l.Close() // New does not connect; nodes are dialled on first use
	}
	_, err = driver.Open("redis://10.0.0.1:6379?colour=blue")
	fmt.Println(err)
	// Output:
	// <nil>
	// distlock: invalid argument: redis service: unknown parameter "colour"
}
