package redlock

import (
	"time"

	"github.com/distlock/distlock/core/driver"
)

// outcome is the result of one attempt, and what the contender does next.
type outcome struct {
	lease driver.Lease
	// err is set when the lock was not granted because fewer than a quorum of trusted
	// nodes answered: an *driver.UnavailableError.
	err error
	// granted is whether the lock was granted (lease is set).
	granted bool
	// contended: no quorum for anybody right now (votes split, or grants we had to give
	// back); retry soon. Otherwise another holder has a quorum.
	contended bool
	// wonHome: this attempt won the resource's home node (tie-breaker).
	wonHome bool
	// holderLeft is how long until enough of the holder's keys expire for a quorum to be
	// free, when another holder has the lock.
	holderLeft time.Duration
	// took is how long the attempt took.
	took time.Duration
	// behind: most of the nodes that refused it know of a contender that has waited
	// longer; after the next release this one lets it attempt first.
	behind bool
}

// acquireReply is one node's answer to acquire.lua or transfer.lua.
type acquireReply struct {
	granted bool
	n       int64 // fence when granted, else the holder's PTTL in ms
	epoch   epochInfo
	holder  string // when refused: a fingerprint of the holder's token
	// first is set when refused and the caller has waited longest of the contenders
	// refused by the node (take.lua's "refuse").
	first bool
	// Only from transfer.lua when granted: had is set when the releasing token held the
	// lock there, marked when the node carries the waiter marker (another client waits).
	had    bool
	marked bool
}

// decodeAcquire decodes a reply of acquire.lua or transfer.lua.
func decodeAcquire(v any) (acquireReply, error) {
	status, x, e, err := decodeInts(v)
	if err != nil {
		return acquireReply{}, err
	}
	r := acquireReply{granted: status == 1, n: x, epoch: e}
	arr, _ := v.([]any)
	switch {
	case len(arr) > 5 && r.granted:
		had, _ := arr[4].(int64)
		marked, _ := arr[5].(int64)
		r.had, r.marked = had == 1, marked == 1
	case len(arr) > 4 && !r.granted:
		r.holder, _ = arr[4].(string)
		if len(arr) > 5 {
			first, _ := arr[5].(int64)
			r.first = first == 1
		}
	}
	return r, nil
}
