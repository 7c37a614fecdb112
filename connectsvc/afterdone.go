package connectsvc

import "context"

// afterDone runs f once ctx ends, unless the returned stop is called first; stop runs
// f itself when ctx has ended but f has not started. context.AfterFunc alone loses f in
// that case: ctx's Done closes before its cancellation reaches the AfterFunc, so a
// goroutine that wakes on Done and calls AfterFunc's stop at once can stop f for good
// (a Hold whose client left then kept its lock until the TTL: 8 of 400 runs of
// hold-disconnect-releases).
func afterDone(ctx context.Context, f func()) (stop func()) {
	stopAfter := context.AfterFunc(ctx, f)
	return func() {
		if stopAfter() && ctx.Err() != nil {
			f()
		}
	}
}
