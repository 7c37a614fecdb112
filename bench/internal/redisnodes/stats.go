package redisnodes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NodeStats is one node's INFO figures at one moment; a scale cell subtracts two of them
// to see what the node spent on the cell.
type NodeStats struct {
	// UsedMemory is INFO memory used_memory, in bytes.
	UsedMemory int64
	// CPU is INFO cpu used_cpu_user + used_cpu_sys.
	CPU time.Duration
	// Commands is INFO stats total_commands_processed: every command the node ran,
	// including those a Lua script calls (an EVALSHA calling SET counts 2).
	Commands int64
	// Keys is the number of keys in the node's database 0 (INFO keyspace).
	Keys int64
}

// Stats reads node i's memory, CPU and command count in one INFO call.
func (ns *Nodes) Stats(ctx context.Context, i int) (NodeStats, error) {
	info, err := ns.admin[i].Info(ctx, "memory", "cpu", "stats", "keyspace").Result()
	if err != nil {
		return NodeStats{}, err
	}
	return parseNodeStats(info)
}

func parseNodeStats(info string) (NodeStats, error) {
	var s NodeStats
	var err error
	if s.UsedMemory, err = parseUsedMemory(info); err != nil {
		return s, err
	}
	if s.CPU, err = parseCPU(info); err != nil {
		return s, err
	}
	v, ok := infoField(info, "total_commands_processed")
	if !ok {
		return s, fmt.Errorf("no total_commands_processed in INFO stats")
	}
	if s.Commands, err = strconv.ParseInt(v, 10, 64); err != nil {
		return s, err
	}
	// An empty database has no db0 line at all.
	if v, ok := infoField(info, "db0"); ok {
		keys, _, _ := strings.Cut(strings.TrimPrefix(v, "keys="), ",")
		if s.Keys, err = strconv.ParseInt(keys, 10, 64); err != nil {
			return s, fmt.Errorf("db0 %q: %w", v, err)
		}
	}
	return s, nil
}
