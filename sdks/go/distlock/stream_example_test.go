package distlock_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

func ExampleLessor_Hold() {
	ctx := context.Background()
	l, err := distlock.New(os.Getenv("DISTLOCK_SERVER"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	// The lock lives as long as its stream: the service renews it, and releases it the
	// moment this process lets go (Release, Close, or dying).
	held, err := l.Hold(ctx, "example/held", driver.LeaseOptions{TTL: core.MinTTL, Owner: "report job", Wait: -1},
		distlock.OnWaiting(func(h distlock.Holder) { fmt.Println("waiting for", h.Owner) }))
	if err != nil {
		log.Fatal(err)
	}
	select {
	case <-held.Lost: // the service said so, drained, or the stream broke: stop working
		log.Fatal("lost the lock: ", held.Err())
	default:
		fmt.Println("holding", held.Resource, "fencing token >0:", held.FencingToken > 0)
	}
	if err := held.Release(ctx); err != nil {
		log.Fatal(err)
	}
	// Output: holding example/held fencing token >0: true
}

func ExampleLessor_Watch() {
	// Every backend of `distlock serve` watches: the development default, memory:// (used
	// here) and Redis nodes that send keyspace notifications.
	srv, err := distlocktest.Start(nil, "--lock-service", "memory://watch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := distlock.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	for ev, err := range l.Watch(ctx, driver.Selector{Name: "jobs/", Prefix: true}) {
		if err != nil {
			log.Fatal(err) // a watch ends with an error, never silently
		}
		switch ev.Kind {
		case driver.WatchCurrent: // a lock held when the watch began
			fmt.Println("held:", ev.Resource, "by", ev.Holder.Owner)
		case driver.WatchSynced: // the current state is complete: now take a lock
			fmt.Println("synced")
			if _, err := l.Acquire(ctx, "jobs/7", driver.LeaseOptions{TTL: core.MinTTL, Owner: "worker 1"}); err != nil {
				log.Fatal(err)
			}
		case driver.WatchGranted:
			fmt.Println(ev.Kind, ev.Resource, "to", ev.Holder.Owner, "fencing token >0:", ev.Holder.FencingToken > 0)
			return
		}
	}
	// Output:
	// synced
	// granted jobs/7 to worker 1 fencing token >0: true
}
