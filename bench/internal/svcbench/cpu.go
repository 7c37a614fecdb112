package svcbench

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/internal/testproc"
)

// CPU time, unlike pairs/s, barely depends on what else the machine runs, and the
// machine is shared: so each cell also records the CPU time each party spent during it.
// Their sum per pair, core direct against the service, is the throughput ratio the two
// would have on a machine that ran nothing else and was saturated by them.

// cpuTimes is the CPU time each party of a cell has used so far.
type cpuTimes struct {
	bench  time.Duration // this process: the callers (Connect client or the core itself)
	server time.Duration // the server processes (distlock serve, the floor): service and its core client
	redis  time.Duration // the Redis nodes, summed
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{bench: a.bench - b.bench, server: a.server - b.server, redis: a.redis - b.redis}
}

func (a cpuTimes) total() time.Duration { return a.bench + a.server + a.redis }

// cpuMeter samples the CPU times of the three parties.
type cpuMeter struct {
	serverPIDs []int // the servers' processes; an idle one adds next to nothing
	nodes      *redisnodes.Nodes
}

func (m cpuMeter) sample(ctx context.Context) (cpuTimes, error) {
	var t cpuTimes
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return t, fmt.Errorf("getrusage: %w", err)
	}
	t.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, pid := range m.serverPIDs {
		d, err := testproc.CPUTime(pid)
		if err != nil {
			return t, err
		}
		t.server += d
	}
	var err error
	if t.redis, err = m.nodes.CPUTime(ctx); err != nil {
		return t, fmt.Errorf("INFO cpu: %w", err)
	}
	return t, nil
}
