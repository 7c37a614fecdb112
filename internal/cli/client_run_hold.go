//go:build unix

package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// holdFlagHelp is the usage of run's --hold.
const holdFlagHelp = "hold the lock over one stream (Hold): the service renews it and releases it the moment run dies; needs a service and transport that stream"

// holdNoisily takes the lock with a Hold stream and returns it as a core.Lock, saying on
// stderr, once it has waited for waitingNotice, who holds it: the service's waiting
// events name the holder, so nothing is said before the service said it is held.
func holdNoisily(ctx context.Context, l *distlock.Lessor, resource string, o driver.LeaseOptions, stderr io.Writer) (core.Lock, error) {
	var mu sync.Mutex
	var holder *distlock.Holder
	told := make(chan struct{}, 1)
	granted := make(chan struct{})
	said := make(chan struct{})
	go func() {
		defer close(said)
		t := time.NewTimer(waitingNotice)
		defer t.Stop()
		for ready := false; ; {
			select {
			case <-granted:
				return
			case <-t.C:
				ready = true
			case <-told:
			}
			mu.Lock()
			h := holder
			mu.Unlock()
			if ready && h != nil {
				msg := fmt.Sprintf("distlock run: waiting for the lock on %q", resource)
				if h.Owner != "" {
					msg += fmt.Sprintf(", held by %q", h.Owner)
				}
				fmt.Fprintln(stderr, msg)
				return
			}
		}
	}()
	h, err := l.Hold(ctx, resource, o, distlock.OnWaiting(func(w distlock.Holder) {
		mu.Lock()
		holder = &w
		mu.Unlock()
		select {
		case told <- struct{}{}:
		default:
		}
	}))
	close(granted)
	<-said // the notice is written before anything else, never interleaved with CMD's output
	if err != nil {
		return core.Lock{}, err
	}
	return core.Lock{Lost: h.Lost, Release: h.Release, Err: h.Err, Resource: h.Resource,
		FencingToken: h.FencingToken, LeaseToken: h.LeaseToken, Owner: h.Owner}, nil
}
