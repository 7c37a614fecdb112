package distlock_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/distlock/distlock/core"
)

func Example_session() {
	ctx := context.Background()
	service := os.Getenv("DISTLOCK_SERVER")

	c := core.NewClient()
	defer c.Close()
	// One renewal timer for all of the session's locks: every TTL/3 one Batch request
	// renews them all, however many there are.
	s, err := c.NewSession(service, core.TTL(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx) // releases the locks still held, together
	for _, shard := range []string{"example/shard-1", "example/shard-2", "example/shard-3"} {
		lock, err := s.TryLock(ctx, shard, core.Owner("worker-7"))
		if err != nil {
			log.Fatal(err)
		}
		// Each is a core.Lock: Lost, Err, Release and its own fencing token.
		fmt.Println("holding", lock.Resource, "fencing token >0:", lock.FencingToken > 0)
	}
	select {
	case <-s.Done(): // closed if renewal could not reach the service in time
		log.Fatal("session lost: ", s.Err())
	default:
	}
	// Output:
	// holding example/shard-1 fencing token >0: true
	// holding example/shard-2 fencing token >0: true
	// holding example/shard-3 fencing token >0: true
}
