package svcbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// CPU time, unlike pairs/s, barely depends on what else the machine runs, and the
// machine is shared: so each cell also records the CPU time each party spent during it.
// Their sum per pair, core direct against the service, is the throughput ratio the two
// would have on a machine that ran nothing else and was saturated by them.

// cpuTimes is the CPU time each party of a cell has used so far.
type cpuTimes struct {
	bench  time.Duration // this process: the callers (Connect client or the core itself)
	server time.Duration // the distlock serve process: service and its core client
	redis  time.Duration // the Redis nodes, summed
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{bench: a.bench - b.bench, server: a.server - b.server, redis: a.redis - b.redis}
}

func (a cpuTimes) total() time.Duration { return a.bench + a.server + a.redis }

// cpuMeter samples the CPU times of the three parties.
type cpuMeter struct {
	serverPID int
	nodes     *redisnodes.Nodes
}

func (m cpuMeter) sample(ctx context.Context) (cpuTimes, error) {
	var t cpuTimes
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return t, fmt.Errorf("getrusage: %w", err)
	}
	t.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var err error
	if t.server, err = processCPU(m.serverPID); err != nil {
		return t, err
	}
	if t.redis, err = m.nodes.CPUTime(ctx); err != nil {
		return t, fmt.Errorf("INFO cpu: %w", err)
	}
	return t, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on Linux, whatever
// the kernel's own tick rate (it is part of the user-space ABI).
const clockTicks = 100

// processCPU returns utime+stime of a process, from /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	d, err := parseProcStat(string(b))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return d, nil
}

// parseProcStat returns utime+stime of a /proc/<pid>/stat line.
func parseProcStat(s string) (time.Duration, error) {
	// The command name (field 2) is in parentheses and may contain spaces and
	// parentheses; fields 14 and 15, utime and stime, are the 12th and 13th after it.
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, errors.New("too few fields")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
