package harness

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// A snapshot is what the scale cells compare before and after a measurement: the wall
// clock, this process's CPU time (the core's client side) and each node's INFO figures.
type snapshot struct {
	at    time.Time
	self  time.Duration
	nodes []redisnodes.NodeStats
}

// snap reads the first n nodes (a cell over fewer nodes than were started does not pay
// for the idle ones' housekeeping).
func snap(ctx context.Context, nodes *redisnodes.Nodes, n int) (snapshot, error) {
	s := snapshot{at: time.Now()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, fmt.Errorf("getrusage: %w", err)
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for i := range n {
		st, err := nodes.Stats(ctx, i)
		if err != nil {
			return s, fmt.Errorf("INFO of node %d: %w", i, err)
		}
		s.nodes = append(s.nodes, st)
	}
	return s, nil
}

// Usage is what a measurement cost between two snapshots.
type Usage struct {
	Elapsed   time.Duration
	ClientCPU time.Duration
	// Per node: CPU time, commands run, and growth of used_memory (negative: shrank).
	RedisCPU []time.Duration
	Commands []int64
	Memory   []int64
}

// since is the usage from a to s (a taken first, over the same nodes).
func (s snapshot) since(a snapshot) Usage {
	u := Usage{Elapsed: s.at.Sub(a.at), ClientCPU: s.self - a.self}
	for i := range s.nodes {
		u.RedisCPU = append(u.RedisCPU, s.nodes[i].CPU-a.nodes[i].CPU)
		u.Commands = append(u.Commands, s.nodes[i].Commands-a.nodes[i].Commands)
		u.Memory = append(u.Memory, s.nodes[i].UsedMemory-a.nodes[i].UsedMemory)
	}
	return u
}

// TotalRedisCPU is the CPU time of all nodes together.
func (u Usage) TotalRedisCPU() time.Duration {
	var sum time.Duration
	for _, c := range u.RedisCPU {
		sum += c
	}
	return sum
}

// CommandsPerSec is the busiest node's command rate (the nodes see nearly the same
// traffic under Redlock; the busiest is the one that saturates first).
func (u Usage) CommandsPerSec() float64 {
	if u.Elapsed <= 0 {
		return 0
	}
	var most int64
	for _, c := range u.Commands {
		most = max(most, c)
	}
	return float64(most) / u.Elapsed.Seconds()
}

// per divides d by n operations (0 for none).
func per(d time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return d / time.Duration(n)
}
