package main

import (
	"context"
	"io"

	"github.com/distlock/distlock/bench/internal/harness"
	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/bench/internal/svcbench"
)

// serviceBenchmark returns the service benchmark (issue 3) to run after the lock cells on
// the same nodes, with cfg's repetitions and cell bounds, or nil when c is 0.
func serviceBenchmark(cfg harness.Config, c int, sdk string, serveProcs int) func(context.Context, *redisnodes.Nodes, io.Writer) (string, error) {
	if c == 0 {
		return nil
	}
	return func(ctx context.Context, nodes *redisnodes.Nodes, progress io.Writer) (string, error) {
		return svcbench.Run(ctx, nodes, svcbench.Config{Concurrency: c, Reps: cfg.Reps, Duration: cfg.Duration,
			MaxPairs: cfg.MaxPairs, Grace: cfg.Grace, TTL: cfg.TTL, SDK: sdk, SessionLocks: sessionLocks(cfg), ServeProcs: serveProcs}, progress)
	}
}

// sessionLocks is the size of the Go SDK's session cell: 10,000, or the memory cell's
// size when that is smaller (the quick runs of the tests).
func sessionLocks(cfg harness.Config) int {
	if cfg.MemoryLocks > 0 && cfg.MemoryLocks < svcbench.SessionLocks {
		return cfg.MemoryLocks
	}
	return svcbench.SessionLocks
}
