package main

import (
	"context"
	"io"

	"github.com/distlock/distlock/bench/internal/harness"
)

// extraBenchmarks returns the benchmarks that run after the lock cells on the same nodes.
func extraBenchmarks(harness.Config) func(context.Context, []string, io.Writer) (string, error) {
	return nil
}
