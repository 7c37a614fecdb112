// Package harness runs the lock benchmark: it starts local Redis nodes, runs every
// implementation through the same cells in rotated order, checks that no lock key is
// left behind, measures Redis memory per held lock, and prints markdown tables.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// Config is one benchmark run.
type Config struct {
	// Nodes is how many redis-server processes to start. Default 3.
	Nodes int
	// Impls are the implementations compared, all in the same run on the same nodes.
	Impls []Impl
	// Workloads and Concurrency span the cells. Defaults: every workload; 1, 16, 128.
	// Stampede cells need two workers, so concurrency 1 is skipped for them.
	Workloads   []Workload
	Concurrency []int
	// Reps is how many times each cell runs, the implementations' order rotated each
	// time so none always runs first on a cold or last on a warm machine. Default 3.
	Reps int
	// Duration and MaxPairs bound each cell; Grace bounds its stragglers. Defaults 2 s,
	// 200000 pairs, 5 s.
	Duration time.Duration
	MaxPairs int
	Grace    time.Duration
	// TTL is every lease's TTL. Default 30 s.
	TTL time.Duration
	// MemoryLocks is how many locks are held at once to measure memory. Default 10000;
	// a negative value skips the measurement.
	MemoryLocks int
	// Extra runs after the lock cells on the same nodes, for benchmarks such as the
	// service's that need the nodes; its tables are printed after ours.
	Extra func(ctx context.Context, nodes *redisnodes.Nodes, progress io.Writer) (string, error)
	// Progress receives one line per finished cell; nil discards them.
	Progress io.Writer
}

func (c *Config) defaults() {
	if c.Nodes == 0 {
		c.Nodes = 3
	}
	if len(c.Workloads) == 0 {
		c.Workloads = Workloads()
	}
	if len(c.Concurrency) == 0 {
		c.Concurrency = []int{1, 16, 128}
	}
	if c.Reps == 0 {
		c.Reps = 3
	}
	if c.Duration == 0 {
		c.Duration = 2 * time.Second
	}
	if c.MaxPairs == 0 {
		c.MaxPairs = 200000
	}
	if c.Grace == 0 {
		c.Grace = 5 * time.Second
	}
	if c.TTL == 0 {
		c.TTL = 30 * time.Second
	}
	if c.MemoryLocks == 0 {
		c.MemoryLocks = 10000
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Report is everything a run measured.
type Report struct {
	Cells  []CellResult
	Memory []MemoryResult
	// OtherKeys counts the non-lock keys (fence counters, epoch markers) on the nodes at
	// the end of the run; LockKeys the lock keys, which must be 0.
	OtherKeys, LockKeys int
	// Extra is the text the Config's Extra benchmark produced.
	Extra string
}

// Run starts the nodes, runs every cell and the memory measurement, stops the nodes and
// returns what it measured.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	cfg.defaults()
	nodes, err := redisnodes.Start(ctx, cfg.Nodes)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, nodes.Close()) }()

	lockers := make([]contenders.Locker, 0, len(cfg.Impls))
	defer func() {
		for _, l := range lockers {
			err = errors.Join(err, l.Close())
		}
	}()
	for _, im := range cfg.Impls {
		l, err := im.New(nodes.Addrs())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", im.Name, err)
		}
		lockers = append(lockers, l)
	}

	rep = &Report{}
	for r := range cfg.Reps {
		order := Rotate(lockers, r)
		for _, w := range cfg.Workloads {
			for _, c := range cfg.Concurrency {
				if w == Stampede && c < 2 {
					continue
				}
				for _, l := range order {
					spec := CellSpec{Workload: w, Concurrency: c, Rep: r, Duration: cfg.Duration,
						MaxPairs: cfg.MaxPairs, TTL: cfg.TTL, Grace: cfg.Grace, Stuck: cfg.Progress}
					cpu0, err := nodes.CPUTime(ctx)
					if err != nil {
						return rep, err
					}
					scripts0, err := nodes.ScriptTime(ctx)
					if err != nil {
						return rep, err
					}
					res := RunCell(ctx, l, spec)
					cpu1, err := nodes.CPUTime(ctx)
					if err != nil {
						return rep, err
					}
					scripts1, err := nodes.ScriptTime(ctx)
					if err != nil {
						return rep, err
					}
					res.RedisCPU, res.RedisScripts = cpu1-cpu0, scripts1-scripts0
					kc, err := nodes.Census(ctx, cfg.TTL)
					if err != nil {
						return rep, err
					}
					res.LockKeysLeft = kc.Lock
					if kc.Lock > 0 {
						// Counted; now remove them so they cannot disturb later cells.
						if err := nodes.DeleteLockKeys(ctx, cfg.TTL); err != nil {
							return rep, err
						}
					}
					rep.Cells = append(rep.Cells, res)
					fmt.Fprintf(cfg.Progress, "rep %d %-8s c=%-3d %-15s %9.0f pairs/s p50 %-10v p99 %-10v redis cpu/pair %-8v failed %d keys left %d%s\n",
						r+1, w, c, l.Name(), res.PairsPerSec(), res.P50, res.P99, res.RedisCPUPerPair(), res.Failed, res.LockKeysLeft, errNote(res.FirstErr))
					if err := ctx.Err(); err != nil {
						return rep, err
					}
				}
			}
		}
	}

	if cfg.MemoryLocks > 0 {
		for _, l := range lockers {
			m, err := MeasureMemory(ctx, nodes, l, cfg.MemoryLocks, cfg.TTL)
			if err != nil {
				return rep, fmt.Errorf("memory of %s: %w", l.Name(), err)
			}
			rep.Memory = append(rep.Memory, m)
			fmt.Fprintf(cfg.Progress, "memory %-15s %.0f bytes per held lock per node, %.0f left per released lock, keys left %d\n",
				l.Name(), m.HeldPerLock, m.ResidualPerLock, m.LockKeysLeft)
		}
	}

	if cfg.Extra != nil {
		extra, err := cfg.Extra(ctx, nodes, cfg.Progress)
		if err != nil {
			return rep, fmt.Errorf("extra benchmark: %w", err)
		}
		rep.Extra = extra
	}

	kc, err := nodes.Census(ctx, cfg.TTL)
	if err != nil {
		return rep, err
	}
	rep.OtherKeys, rep.LockKeys = kc.Other, kc.Lock
	return rep, nil
}

// Rotate returns xs rotated left by r places, so repetition r starts with xs[r%len].
func Rotate[T any](xs []T, r int) []T {
	if len(xs) == 0 {
		return nil
	}
	r %= len(xs)
	return slices.Concat(xs[r:], xs[:r])
}

func errNote(err error) string {
	if err == nil {
		return ""
	}
	return " (first error: " + err.Error() + ")"
}
