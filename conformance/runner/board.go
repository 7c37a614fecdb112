package runner

import (
	"context"
	"sync"
)

// board counts things that happen asynchronously (lost events, renewals) so a step can
// wait for a count to be reached without polling or sleeping.
type board struct {
	mu      sync.Mutex
	counts  map[string]int
	changed chan struct{} // closed and replaced on every change
}

func newBoard() *board { return &board{counts: map[string]int{}, changed: make(chan struct{})} }

func (b *board) add(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.counts[key]++
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *board) get(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[key]
}

// await blocks until key has been counted at least n times or ctx is done.
func (b *board) await(ctx context.Context, key string, n int) error {
	for {
		b.mu.Lock()
		got, ch := b.counts[key], b.changed
		b.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
