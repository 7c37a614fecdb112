package distlock

// QueuedCalls returns how many calls of l wait for a Batch: tests wait for it to grow
// rather than sleep.
func QueuedCalls(l *Lessor) int {
	if l.co == nil {
		return 0
	}
	l.co.mu.Lock()
	defer l.co.mu.Unlock()
	return len(l.co.queue)
}

// BatchCounts returns how many Batch requests l sent and how many calls they carried.
func BatchCounts(l *Lessor) (batches, calls int64) {
	if l.co == nil {
		return 0, 0
	}
	return l.co.batches.Load(), l.co.batched.Load()
}

// WithMaxInFlight sets how many requests may await their first answer before calls
// queue; for the benchmark that compares coalescing rules.
func WithMaxInFlight(n int) Option { return func(o *options) { o.maxInFlight = max(n, 1) } }
