package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/harness"
)

// scaleOptions are the flags of the scale cells (issue 16), which run instead of the
// usual ones with -scale.
type scaleOptions struct {
	on                         bool
	locks, waiters, baseWaiter int
	ttl                        time.Duration
	nodes                      string
	c                          int
}

func scaleFlags(fs *flag.FlagSet) *scaleOptions {
	o := &scaleOptions{}
	fs.BoolVar(&o.on, "scale", false, "run the scale cells instead of the usual ones (held locks, waiters on one key, node counts; about 3 minutes)")
	fs.IntVar(&o.locks, "scale-locks", 1000000, "-scale: locks acquired and held at once (0 skips the cell)")
	fs.DurationVar(&o.ttl, "scale-ttl", 5*time.Minute, "-scale: lease TTL of the held locks; it must outlast the cell, as nothing renews them")
	fs.IntVar(&o.waiters, "scale-waiters", 10000, "-scale: goroutines waiting on one key (0 skips the cell)")
	fs.IntVar(&o.baseWaiter, "scale-base-waiters", 100, "-scale: the waiters cell's baseline count")
	fs.StringVar(&o.nodes, "scale-nodes", "1,3,5,7", "-scale: comma-separated node counts of the node-count cell, baseline first (empty skips it)")
	fs.IntVar(&o.c, "scale-c", 128, "-scale: workers of the pairs, extend and node-count cells")
	return o
}

func runScale(ctx context.Context, o *scaleOptions, cfg harness.Config, args []string, stdout io.Writer) error {
	sc := harness.ScaleConfig{HeldLocks: o.locks, HeldTTL: o.ttl, Waiters: o.waiters, BaseWaiters: o.baseWaiter,
		Concurrency: o.c, Reps: cfg.Reps, Duration: cfg.Duration, MaxPairs: cfg.MaxPairs, Grace: cfg.Grace,
		TTL: cfg.TTL, Progress: cfg.Progress}
	if strings.TrimSpace(o.nodes) != "" {
		var err error
		if sc.NodeCounts, err = parseInts(o.nodes); err != nil {
			return fmt.Errorf("-scale-nodes: %w", err)
		}
	}
	start := time.Now()
	rep, err := harness.RunScale(ctx, sc)
	if rep != nil {
		fmt.Fprintf(stdout, "## distlock scale cells (%s)\n\n", machine())
		fmt.Fprintf(stdout, "Command: `%s` (in bench/) — %d reps, %v per cell; took %v.\n\n",
			strings.Join(append([]string{"go run ."}, args...), " "), sc.Reps, sc.Duration, time.Since(start).Round(time.Second))
		rep.WriteMarkdown(stdout)
	}
	return err
}
