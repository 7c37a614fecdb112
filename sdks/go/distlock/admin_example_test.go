package distlock_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
)

func ExampleLessor_ForceRelease() {
	ctx := context.Background()
	l, err := distlock.New(os.Getenv("DISTLOCK_SERVER"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	stuck, err := l.Acquire(ctx, "example/ops/nightly", driver.LeaseOptions{TTL: core.MaxTTL, Owner: "nightly job"})
	if err != nil {
		log.Fatal(err)
	}

	// Who holds what under a prefix: every page of List (the read verb on the prefix).
	for lk, err := range l.Locks(ctx, "example/ops/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(lk.Resource, "held by", lk.Owner, "waiters:", lk.Waiters)
	}
	// Break it whatever its token (the admin verb; the service audits the reason).
	broken, err := l.ForceRelease(ctx, "example/ops/nightly", "the nightly job is stuck")
	if err != nil {
		log.Fatal(err)
	}
	// Every later grant's fencing token exceeds broken.Advanced: give it to the store.
	fmt.Println("broke", broken.Owner, "advanced past the old token:", broken.Advanced > stuck.Fence)
	// Output:
	// example/ops/nightly held by nightly job waiters: 0
	// broke nightly job advanced past the old token: true
}
