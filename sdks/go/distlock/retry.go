package distlock

import (
	"context"
	"math/rand/v2"
	"time"

	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// backoff returns the pause before retry n (0 for the first) of a call: the client
// policy's call back-off step, drawn at random from its upper half so that clients that
// failed together do not retry together.
func backoff(n int) time.Duration {
	d := policy.BackoffStep(n, policy.CallBackoffMin, policy.CallBackoffMax)
	return d/2 + rand.N(d/2+1)
}

// retry runs f, and runs it again after a backoff while it fails with a transient error
// and both ctx and the time until are live. It always makes one attempt. It returns f's
// last error.
func retry(ctx context.Context, until time.Time, f func(context.Context) error) error {
	for n := 0; ; n++ {
		err := f(ctx)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		pause := backoff(n)
		if !time.Now().Add(pause).Before(until) {
			return err
		}
		if !sleep(ctx, pause) {
			return err
		}
	}
}

// sleep pauses for d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
