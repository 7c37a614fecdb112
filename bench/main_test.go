package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/distlock/distlock/bench/internal/floor"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestMain lets the service cells start this test binary as their floor server, as they
// start the bench binary.
func TestMain(m *testing.M) {
	floor.ServeIfChild()
	os.Exit(m.Run())
}

// TestRunEverything runs the whole command at a tiny size, distlock and the service
// included, so that a change in the core or the service that breaks the benchmark shows
// up in `make test` instead of on the day someone wants figures.
func TestRunEverything(t *testing.T) {
	redistest.Require(t)
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-reps", "1", "-duration", "100ms", "-c", "1,4",
		"-memory-locks", "100", "-service-c", "4", "-q"}, &out, &errs)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errs.String())
	}
	report := out.String()
	for _, want := range []string{
		"| distinct | 4 | distlock |", "| hot | 4 | distlock-4proc |", "| hot | 4 | redsync |", "| stampede | 4 | distlock |",
		"| distlock | 100 |", "Keys on the nodes at the end: 0 lock keys",
		"| connect JSON (h2c) |", "zero distlock lock keys left after each cell | 0 | met",
		"| Go SDK (coalescing) |", "| Go SDK (WithoutCoalescing) |", "| HTTP floor (net/http over the core) |", "c=1: p50 of a pair ≤ 3x redsync's",
		"`distlock serve` ran with GOMAXPROCS=1 (`-serve-procs`)", "Locks lost: 0.",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", report)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-impls", "nope"}, {"-c", "0"}, {"-c", "x"}, {"-workloads", "cold"}, {"-scale", "-scale-nodes", "1,x"}, {"-serve-procs", "-1"}} {
		var out, errs bytes.Buffer
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run(%q): want an error", args)
		}
	}
}
