package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// NodesResult is one run of the distinct-keys pairs cell over the first Nodes nodes.
type NodesResult struct {
	Nodes int
	PairsRun
}

// runNodeCounts runs the distinct-keys cell at Concurrency with one core client per
// node count, the counts in rotated order in each repetition.
func runNodeCounts(ctx context.Context, nodes *redisnodes.Nodes, cfg ScaleConfig) (out []NodesResult, err error) {
	clients := map[int]*contenders.Distlock{}
	defer func() {
		for _, c := range clients {
			err = errors.Join(err, c.Close())
		}
	}()
	for _, n := range cfg.NodeCounts {
		if clients[n] != nil {
			continue
		}
		c, err := contenders.NewDistlock(nodes.Addrs()[:n])
		if err != nil {
			return nil, err
		}
		clients[n] = c
	}
	for r := range cfg.Reps {
		for _, n := range Rotate(cfg.NodeCounts, r) {
			// The rep number keeps each cell's keys apart from the others'.
			spec := CellSpec{Workload: Distinct, Concurrency: cfg.Concurrency, Rep: r*100 + n, Duration: cfg.Duration,
				MaxPairs: cfg.MaxPairs, TTL: cfg.TTL, Grace: cfg.Grace, Stuck: cfg.Progress}
			c, u, err := pairCell(ctx, nodes, n, clients[n], spec, true)
			if err != nil {
				return out, err
			}
			out = append(out, NodesResult{n, PairsRun{c, u}})
			fmt.Fprintf(cfg.Progress, "nodes %d rep %d: %9.0f pairs/s p50 %-10v redis cpu/pair %-8v client cpu/pair %-8v failed %d keys left %d%s\n",
				n, r+1, c.PairsPerSec(), c.P50, c.RedisCPUPerPair(), per(u.ClientCPU, c.Pairs), c.Failed, c.LockKeysLeft, errNote(c.FirstErr))
		}
	}
	return out, nil
}
