// Package redlock is distlock's lock service over N independent Redis masters: the
// Redlock algorithm, with fencing tokens, restart detection and waiting added. Import
// it for its side effect to address Redis by URL (see [Open] for the URL form):
//
//	import _ "github.com/distlock/distlock/core/redlock" // redis:// and rediss://
//
// or call [New] for a [Client], which implements driver.Lessor.
//
// # Algorithm
//
// An acquire sends a Lua script to every node in parallel; the lock is granted when a
// quorum of N/2+1 trusted nodes set it and the grant is still valid: validity = TTL -
// time taken - drift, with drift = 1% of the TTL + 2 ms. A failed attempt deletes what
// it set, and no answer is given before every node has replied or timed out
// ([WithNodeTimeout]), so a cleanup or release does not overtake the write it undoes
// (attempt.go argues it). Extend resets the TTL on every node that still holds the
// lease (compare-token-then-act) and needs a quorum; Release deletes it everywhere and
// announces it. Info and Read ask every node and answer with the view of a quorum, so
// one stale node cannot decide. Every state change is a Lua script in scripts/*.lua,
// run by SHA (EVALSHA, falling back to EVAL).
//
// The lock key is <prefix>:{<base64url of the resource>}:l; the prefix is
// [WithKeyPrefix] (default "distlock"). The encoding makes names of any bytes distinct
// and keeps '{', '}' and ':' out of the encoded part. The lock value is one compact
// binary string (value.go): the 128-bit owner token (crypto/rand, one per acquisition,
// never logged), the fencing token, the lock time, the owner label and the payload; up
// to an owner label of 14 bytes without payload it fits Redis's embedded strings (44
// bytes). Fence counters are
// fields of 1024 shared hashes (<prefix>:fence:<n>) and each node has one epoch key
// (<prefix>:epoch), so a node must be a standalone master, not a Redis Cluster: scripts
// touch keys of several slots. A held lock with a short name and no payload costs about
// 215 bytes of Redis memory per node.
//
// # Fencing
//
// Each node keeps a per-resource counter that outlives the lock; the token is the
// maximum over the granting quorum, stored on a quorum before the lock is granted, so
// the tokens of successive holders of a resource strictly increase, also across nodes
// that lost their data (attempt_fence.go).
//
// # Restart quarantine
//
// A node whose data is younger than the quarantine ([WithQuarantine]; default 10
// minutes, the longest TTL) does not count toward a quorum: it may have forgotten
// locks that are still held (trust.go); the [driver.UnavailableError] of a refused
// acquire names each such node and how long it stays out. A fresh cluster looks like
// one that lost its data, so it is quarantined once at first use, unless an operator
// marks its nodes as new beforehand with [Client.InitNodes] (`distlock redis init
// URL`), which refuses any node that holds a distlock key (trust_init.go). Use
// WithQuarantine(0) (URL: ?quarantine=0) for throw-away or embedded servers only.
//
// # Waiting
//
// Waiting is not polling: a release that somebody was refused by is announced over
// pub/sub, and waiters sleep until the announcement or the holder's expiry (queue.go,
// acquire_backoff.go). Contenders inside one Client queue per resource, so only one of
// them talks to Redis about it at a time. Between processes, the nodes note when the
// longest-waiting refused contender began to wait, and after a release the others give
// way to it for about one round trip (take.lua's "refuse", acquire.go), so processes
// are served about in the order their waits began. After three attempts in a row that reach
// fewer than a quorum of trusted nodes, Acquire returns the *driver.UnavailableError
// naming them rather than waiting out its whole wait.
//
// # Hand-over
//
// When a lease is released while contenders of the same Client wait for it, Release
// hands the lock to the one that has waited longest in one round trip instead of two,
// under the acquire's quorum, validity, fencing and cleanup rules, and without starving
// waiters of other processes (attempt_transfer.go, queue_handoff.go).
//
// # Throughput
//
// Calls that concurrent callers send to one node leave together as one pipeline,
// without a timer, so a lone caller pays one round trip (transport.go).
//
// # Layers
//
// A [Client] is a facade (client.go, acquire.go, lease.go, info.go) over four types,
// each with its own state and files: transport, the nodes' connections, pipelines,
// fan-outs and shared deadlines (transport*.go); trust, the nodes' epochs and their
// quarantine (trust.go); attempt, one try at a lock, which settles, confirms its fence
// and cleans up (attempt*.go); and queues, the local contenders' queues, pub/sub
// wake-ups and hand-overs (queue*.go), which contenders (acquire.go) wait in. Watch
// (watch*.go) sits beside them: it follows lock keys through keyspace notifications
// and reads each change with Info's quorum rule. [Client.InitNodes] (trust_init.go)
// is the operator's step that trusts a new cluster's nodes at once.
//
// # Caveats
//
// Redlock's safety rests on timing: node clocks must advance at about the same rate as
// the client's (the drift allowance covers 1%), must not jump backwards, and must
// differ by much less than the quarantine. Fencing tokens also assume fewer than a
// million acquisitions per second per resource and that two nodes do not lose their
// data within one clock skew of each other (attempt_fence.go).
//
// Restart detection sees a node that lost all its data (no persistence, FLUSHALL): its
// epoch key goes with its locks. A node that loses only its latest writes (RDB
// snapshots, or AOF without appendfsync always, after a crash) keeps an old epoch and
// is not detected: run such nodes with appendfsync always, or keep a crashed node out
// for the longest TTL before it rejoins. A client paused longer than its validity (GC,
// swap) may act after losing the lock: protect the resource with the fencing token.
package redlock
