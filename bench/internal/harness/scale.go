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

// The scale cells (issue 16) show how the core's cost grows with the work: many held
// locks, many waiters on one key, more nodes. Each cell carries a baseline measured in
// the same run, so the ratio does not depend on what else the shared machine ran that
// day. They are opt-in (bench -scale): the 10^6-lock cell alone fills Redis with three
// million keys and takes about a minute.

// scaleNodes is how many nodes the held-locks and waiters cells use: the bench's usual 3.
const scaleNodes = 3

// ScaleConfig is one run of the scale cells. A zero count skips its cell.
type ScaleConfig struct {
	// HeldLocks is how many locks the held-locks cell acquires and keeps (on distinct
	// keys), with lease TTL HeldTTL, which must outlast the cell (no renewal runs).
	HeldLocks int
	HeldTTL   time.Duration
	// Waiters is how many goroutines wait on one key; BaseWaiters is the baseline's count.
	Waiters, BaseWaiters int
	// NodeCounts are the node counts of the nodes cell (distinct keys); the first is
	// the baseline.
	NodeCounts []int
	// Concurrency is the number of workers of the pair and extend cells.
	Concurrency int
	// Reps, Duration, MaxPairs, Grace and TTL are as in [Config]; TTL is the lease TTL
	// of the pairs and waiters cells.
	Reps     int
	Duration time.Duration
	MaxPairs int
	Grace    time.Duration
	TTL      time.Duration
	// Progress receives a line per measurement; nil discards them.
	Progress io.Writer
}

// ScaleReport is what the scale cells measured.
type ScaleReport struct {
	Config  ScaleConfig
	Held    *HeldResult
	Waiters []WaitersResult
	Nodes   []NodesResult
	// LockKeys counts the lock keys on the nodes at the end; it must be 0.
	LockKeys int
}

// RunScale starts max(3, NodeCounts) nodes and runs the scale cells on them.
func RunScale(ctx context.Context, cfg ScaleConfig) (rep *ScaleReport, err error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.Reps < 1 || cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.TTL <= 0 {
		return nil, errors.New("scale: Reps, Concurrency, Duration and TTL must be positive")
	}
	if cfg.HeldLocks > 0 && cfg.HeldTTL <= cfg.TTL {
		// The held cell tells its leases from the pairs cells' leftovers by TTL.
		return nil, fmt.Errorf("scale: the held locks' TTL (%v) must exceed the pairs cells' (%v)", cfg.HeldTTL, cfg.TTL)
	}
	n := scaleNodes
	if len(cfg.NodeCounts) > 0 {
		n = max(n, slices.Max(cfg.NodeCounts))
	}
	nodes, err := redisnodes.Start(ctx, n)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, nodes.Close()) }()
	rep = &ScaleReport{Config: cfg}

	if cfg.HeldLocks > 0 || cfg.Waiters > 0 {
		d, err := contenders.NewDistlock(nodes.Addrs()[:scaleNodes])
		if err != nil {
			return rep, err
		}
		defer func() { err = errors.Join(err, d.Close()) }()
		if cfg.HeldLocks > 0 {
			if rep.Held, err = runHeld(ctx, nodes, d, cfg); err != nil {
				return rep, fmt.Errorf("held locks: %w", err)
			}
		}
		if cfg.Waiters > 0 {
			if rep.Waiters, err = runWaiters(ctx, nodes, d, cfg); err != nil {
				return rep, fmt.Errorf("waiters: %w", err)
			}
		}
	}
	if len(cfg.NodeCounts) > 0 {
		if rep.Nodes, err = runNodeCounts(ctx, nodes, cfg); err != nil {
			return rep, fmt.Errorf("node counts: %w", err)
		}
	}
	kc, err := nodes.Census(ctx, max(cfg.TTL, cfg.HeldTTL))
	if err != nil {
		return rep, err
	}
	rep.LockKeys = kc.Lock
	return rep, nil
}

// pairCell runs one pairs cell on the first n nodes and records what it cost. With
// census, it then counts (and removes) the lock keys the cell left; a caller holding
// many locks on purpose counts them once after several cells instead, as a census
// reads every key.
func pairCell(ctx context.Context, nodes *redisnodes.Nodes, n int, l contenders.Locker, s CellSpec, census bool) (CellResult, Usage, error) {
	a, err := snap(ctx, nodes, n)
	if err != nil {
		return CellResult{}, Usage{}, err
	}
	res := RunCell(ctx, l, s)
	b, err := snap(ctx, nodes, n)
	if err != nil {
		return res, Usage{}, err
	}
	u := b.since(a)
	res.RedisCPU = u.TotalRedisCPU()
	if !census {
		return res, u, nil
	}
	kc, err := nodes.Census(ctx, s.TTL)
	if err != nil {
		return res, u, err
	}
	if res.LockKeysLeft = kc.Lock; kc.Lock > 0 {
		err = nodes.DeleteLockKeys(ctx, s.TTL)
	}
	return res, u, err
}
