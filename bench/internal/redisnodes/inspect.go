package redisnodes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// UsedMemory returns node i's INFO memory used_memory, in bytes.
func (ns *Nodes) UsedMemory(ctx context.Context, i int) (int64, error) {
	info, err := ns.admin[i].Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	return parseUsedMemory(info)
}

func parseUsedMemory(info string) (int64, error) {
	v, ok := infoField(info, "used_memory")
	if !ok {
		return 0, fmt.Errorf("no used_memory in INFO memory")
	}
	return strconv.ParseInt(v, 10, 64)
}

// CPUTime returns the CPU time (user + system) the nodes have spent so far, summed: the
// difference over a measurement is what the Redis side cost, which on a shared machine
// bounds what any client can reach.
func (ns *Nodes) CPUTime(ctx context.Context) (time.Duration, error) {
	return ns.sumInfo(ctx, "cpu", parseCPU)
}

// sumInfo sums, over the nodes, a duration parse reads from an INFO section.
func (ns *Nodes) sumInfo(ctx context.Context, section string, parse func(info string) (time.Duration, error)) (time.Duration, error) {
	var sum time.Duration
	for _, c := range ns.admin {
		info, err := c.Info(ctx, section).Result()
		if err != nil {
			return 0, err
		}
		d, err := parse(info)
		if err != nil {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

func parseCPU(info string) (time.Duration, error) {
	var sum time.Duration
	for _, f := range []string{"used_cpu_sys", "used_cpu_user"} {
		v, ok := infoField(info, f)
		if !ok {
			return 0, fmt.Errorf("no %s in INFO cpu", f)
		}
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		sum += time.Duration(secs * float64(time.Second))
	}
	return sum, nil
}

// infoField returns the value of field in an INFO reply.
func infoField(info, field string) (string, bool) {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v, true
		}
	}
	return "", false
}

// A KeyCensus counts the keys on the nodes, split by expiry: lock keys expire within the
// longest lease TTL the benchmark uses, while bookkeeping such as fence counters and epoch
// markers either never expires or lives far longer. Classifying by TTL keeps the check
// independent of each implementation's key layout.
type KeyCensus struct {
	// Lock is the number of keys whose remaining TTL is at most the lease TTL.
	Lock int
	// Other is the number of keys with no expiry or a longer one.
	Other int
	// LockKeys holds up to a few lock key names, for the report.
	LockKeys []string
}

// Census scans every node and classifies each key against leaseTTL.
func (ns *Nodes) Census(ctx context.Context, leaseTTL time.Duration) (KeyCensus, error) {
	var kc KeyCensus
	err := ns.eachKey(ctx, func(_ *redis.Client, key string, ttl time.Duration) error {
		if IsLockTTL(ttl, leaseTTL) {
			kc.Lock++
			if len(kc.LockKeys) < 5 {
				kc.LockKeys = append(kc.LockKeys, key)
			}
		} else if ttl != -2 { // -2: the key expired between SCAN and PTTL
			kc.Other++
		}
		return nil
	})
	return kc, err
}

// IsLockTTL reports whether a key with remaining time ttl (as PTTL answers it, with -1
// for no expiry and -2 for a missing key) is a lock key for leases of leaseTTL.
func IsLockTTL(ttl, leaseTTL time.Duration) bool {
	return ttl >= 0 && ttl <= leaseTTL
}

// DeleteLockKeys removes every key that Census would count as a lock key, so that one
// implementation's leftovers cannot disturb the next measurement.
func (ns *Nodes) DeleteLockKeys(ctx context.Context, leaseTTL time.Duration) error {
	return ns.eachKey(ctx, func(c *redis.Client, key string, ttl time.Duration) error {
		if !IsLockTTL(ttl, leaseTTL) {
			return nil
		}
		return c.Del(ctx, key).Err()
	})
}

// scanBatch is how many keys one SCAN step asks for; their PTTLs go in one pipeline, so
// a census of the millions of keys a scale cell holds takes seconds, not minutes.
const scanBatch = 1000

// eachKey calls fn with every key of every node, the node's client and the key's PTTL,
// and stops at the first error.
func (ns *Nodes) eachKey(ctx context.Context, fn func(c *redis.Client, key string, ttl time.Duration) error) error {
	for _, c := range ns.admin {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, "*", scanBatch).Result()
			if err != nil {
				return err
			}
			pipe := c.Pipeline()
			ttls := make([]*redis.DurationCmd, len(keys))
			for i, k := range keys {
				ttls[i] = pipe.PTTL(ctx, k)
			}
			if len(keys) > 0 {
				if _, err := pipe.Exec(ctx); err != nil {
					return err
				}
			}
			for i, k := range keys {
				if err := fn(c, k, ttls[i].Val()); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
	}
	return nil
}

// FlushAll empties every node.
func (ns *Nodes) FlushAll(ctx context.Context) error {
	for _, c := range ns.admin {
		if err := c.FlushAll(ctx).Err(); err != nil {
			return err
		}
	}
	return nil
}
