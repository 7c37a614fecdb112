package locktest

import (
	"context"
	"fmt"
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// quote renders a resource name for a failure message, shortened: names go up to 1 KiB.
func quote(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", s[:40], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// watchedCtx reports, by closing asked, the first time anyone asks for its Done channel.
// A call that blocks until its context ends must ask for Done before it blocks, so a
// test can wait on asked instead of sleeping until a waiter is probably waiting. (It may
// be asked earlier, for example when the call derives a context; then a case proves less
// but still passes only on correct behaviour.)
type watchedCtx struct {
	context.Context
	once  sync.Once
	asked chan struct{}
}

func watch(ctx context.Context) *watchedCtx {
	return &watchedCtx{Context: ctx, asked: make(chan struct{})}
}

func (c *watchedCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.asked) })
	return c.Context.Done()
}

// acquired is what an Acquire in another goroutine returned.
type acquired struct {
	lease driver.Lease
	err   error
}

// goAcquire runs Acquire in a goroutine. The case must receive from the channel before
// it ends, so that no goroutine outlives it.
func goAcquire(ctx context.Context, l driver.Lessor, resource string, o driver.LeaseOptions) <-chan acquired {
	ch := make(chan acquired, 1)
	go func() {
		lease, err := l.Acquire(ctx, resource, o)
		ch <- acquired{lease, err}
	}()
	return ch
}
