// Command bench compares distlock's Redlock core with redsync and a raw go-redis lock on
// local redis-server processes it starts itself, and prints markdown tables. Run it with
// `make bench` from the repository root, or `go run .` here; -h lists the flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/floor"
	"github.com/distlock/distlock/bench/internal/harness"
)

func main() {
	floor.ServeIfChild() // when started as the service cells' floor server
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg        harness.Config
		concs      = fs.String("c", "1,16,128", "comma-separated concurrency levels")
		impls      = fs.String("impls", "", "comma-separated implementations to run (default: all): "+strings.Join(implNames(), ","))
		workloads  = fs.String("workloads", "distinct,hot,stampede", "comma-separated workloads: distinct, hot, stampede")
		cpuprofile = fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
		quiet      = fs.Bool("q", false, "do not print a progress line per cell on stderr")
		serviceC   = fs.Int("service-c", 64, "concurrency of the service benchmark (0 skips it)")
		sdk        = fs.String("sdk", "on", "the Go SDK cells of the service benchmark: on, only (without the other service rows), off")
		serveProcs = fs.Int("serve-procs", 1, "GOMAXPROCS of the `distlock serve` process of the service benchmark (0: the Go runtime's default, one per CPU)")
		scale      = scaleFlags(fs)
	)
	fs.IntVar(&cfg.Reps, "reps", 3, "repetitions of every cell, implementation order rotated")
	fs.DurationVar(&cfg.Duration, "duration", 2*time.Second, "how long each cell starts new pairs")
	fs.IntVar(&cfg.MaxPairs, "max-pairs", 200000, "most pairs one cell starts")
	fs.DurationVar(&cfg.Grace, "grace", 5*time.Second, "longest an acquire begun in a cell may go on after it")
	fs.IntVar(&cfg.MemoryLocks, "memory-locks", 10000, "locks held at once to measure memory (negative: skip)")
	fs.IntVar(&cfg.Nodes, "nodes", 3, "redis-server processes to start")
	fs.DurationVar(&cfg.TTL, "ttl", 30*time.Second, "lease TTL of every lock (keys that expire within it count as lock keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.Concurrency, err = parseInts(*concs); err != nil {
		return fmt.Errorf("-c: %w", err)
	}
	for w := range strings.SplitSeq(*workloads, ",") {
		wl := harness.Workload(strings.TrimSpace(w))
		if !slices.Contains(harness.Workloads(), wl) {
			return fmt.Errorf("-workloads: unknown workload %q", w)
		}
		cfg.Workloads = append(cfg.Workloads, wl)
	}
	if cfg.Impls, err = selectImpls(*impls); err != nil {
		return err
	}
	if !*quiet {
		cfg.Progress = stderr
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	if scale.on {
		return runScale(ctx, scale, cfg, args, stdout)
	}
	if *serveProcs < 0 {
		return fmt.Errorf("-serve-procs: %d is negative", *serveProcs)
	}
	cfg.Extra = serviceBenchmark(cfg, *serviceC, *sdk, *serveProcs)
	start := time.Now()
	rep, err := harness.Run(ctx, cfg)
	if rep != nil {
		fmt.Fprintf(stdout, "## distlock benchmark (%s)\n\n", machine())
		fmt.Fprintf(stdout, "Command: `%s` (in bench/) — %d nodes, %d reps, %v per cell; took %v.\n\n",
			strings.Join(append([]string{"go run ."}, args...), " "), cfg.Nodes, cfg.Reps, cfg.Duration, time.Since(start).Round(time.Second))
		rep.WriteMarkdown(stdout)
	}
	return err
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// allImpls is every implementation this build knows, distlock first.
func allImpls() []harness.Impl { return slices.Concat(oursImpls(), harness.Baselines()) }

func implNames() []string {
	var names []string
	for _, im := range allImpls() {
		names = append(names, im.Name)
	}
	return names
}

func selectImpls(list string) ([]harness.Impl, error) {
	all := allImpls()
	if list == "" {
		return all, nil
	}
	var out []harness.Impl
	for name := range strings.SplitSeq(list, ",") {
		i := slices.IndexFunc(all, func(im harness.Impl) bool { return im.Name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown implementation %q (known: %s)", name, strings.Join(implNames(), ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
