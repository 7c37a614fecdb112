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
// An acquire sends acquire.lua to every node in parallel, each request with its own
// timeout ([WithNodeTimeout]; default TTL/50, within 100 ms and 1 s; up to a millisecond
// more, as requests that start within a millisecond share one deadline). The script sets
// the lock key with SET NX PX TTL when it is free and returns the node's next fencing
// token, or the holder's remaining TTL. The lock is granted when a quorum of N/2+1
// trusted nodes set it and the grant is still valid: validity = TTL - time taken -
// drift, with drift = 1% of the TTL + 2 ms; a grant that arrives after its validity
// ended is a failure. A failed attempt deletes what it set, on every node that granted
// or did not answer, with a context the caller cannot cancel. No answer is given before
// every node has replied or timed out, and calls to one node leave in order, so a
// cleanup or release does not overtake the write it undoes. (A request that timed out
// inside a stalled server may still run after its cleanup; the key it sets then expires
// after the TTL.)
//
// Extend resets the TTL on every node that still holds the lease
// (compare-token-then-act) and needs a quorum; Release deletes it everywhere and
// announces it. Info and Read ask every node and answer with the view of a quorum, so
// one stale node cannot decide. Every state change is a Lua script in scripts/*.lua,
// run by SHA (EVALSHA, falling back to EVAL).
//
// The lock key is <prefix>:{<base64url of the resource>}:l; the prefix is
// [WithKeyPrefix] (default "distlock"). The encoding makes names of any bytes distinct
// and keeps '{', '}' and ':' out of the encoded part. The lock value is one compact
// string: the 128-bit owner token (crypto/rand, one per acquisition, never logged), the
// fencing token, the lock time, the owner label and the payload. Fence counters are
// fields of 1024 shared hashes (<prefix>:fence:<n>) and each node has one epoch key
// (<prefix>:epoch), so a node must be a standalone master, not a Redis Cluster: scripts
// touch keys of several slots. A held lock with a short name and no payload costs about
// 200 bytes of Redis memory per node.
//
// # Fencing
//
// Each node keeps a per-resource counter that outlives the lock (its hash is kept 24
// hours after its expiry was last refreshed, at least once per 64 increments of each
// counter). The acquire script increments it, or, when it is
// missing, seeds it from the node's clock in microseconds (and at least its epoch plus
// the quarantine), so a node that lost its data starts above every token issued before.
// The token is the maximum over the granting quorum; when the granting nodes disagreed,
// a second round trip stores it on them and the lock is granted only if a quorum
// confirms. Any two quorums share a node, which therefore returns more than the
// previous holder's token. The full argument is in fence.go.
//
// # Restart quarantine
//
// A node that restarts without persistence (or is flushed) forgets its locks, and could
// grant a lock that a quorum including it had granted before. Each node carries an
// epoch key (<prefix>:epoch: a random id and the node's time at creation) that the
// acquire script creates when missing; every script reports its age. A node whose epoch
// is younger than the quarantine ([WithQuarantine]; default 10 minutes, the longest
// TTL) does not count toward a quorum; it still receives writes and cleanups. Caveat: a
// fresh cluster looks like one that lost its data, so it is quarantined once at first
// use; use WithQuarantine(0) (URL: ?quarantine=0) for throw-away or embedded servers
// only. An epoch key was chosen over the server's run_id and uptime because it also
// detects a FLUSHALL and arrives with every script reply, at no extra round trip. An
// epoch only gets older: once a Client has seen one past its quarantine, its acquires
// list the epoch's id and the script does not read the node's clock for it.
//
// # Waiting
//
// Waiting is not polling. An acquire refused by a node leaves a waiter marker there
// (<prefix>:{<base64url of the resource>}:w, expiring a little after the holder's key);
// a release that finds the marker deletes it and publishes "<resource> <release id>" on
// one channel per node (<prefix>:released), so a release nobody waits for costs no
// message. Each Client subscribes once, on its first wait, and wakes its local waiters
// for that resource once N-quorum+1 nodes announced the same release, that is, once a
// quorum is free (a release in the same Client wakes them at once). A waiter was
// refused by a quorum of the holder's nodes, so enough of them carry the marker. One
// channel per node rather than per resource costs a constant number of subscriptions
// and no SUBSCRIBE per wait. A refused attempt learns from each node a
// fingerprint (SHA-1) of the holder's token and its remaining TTL: when one holder has
// a quorum, the waiter sleeps until that holder's keys expire (plus jitter) unless
// woken, which also covers a lost pub/sub connection. When nobody has a quorum, the
// votes split between contenders; their keys go when they clean up, unannounced, so the
// waiter backs off briefly with jitter, and the one that won the resource's home node
// (a hash of the name) first, so that processes do not livelock. Contenders inside one
// Client queue per resource: only one of them talks to Redis about it at a time, and
// none while a lease of the same Client holds it (until that lease's release or the end
// of its validity). After three attempts in a row that reach fewer than a quorum of
// trusted nodes, Acquire returns the *driver.UnavailableError naming them rather than
// waiting out its whole wait.
//
// # Hand-over
//
// When a lease is released while contenders of the same Client wait for it, Release
// hands the lock to the one that has waited longest in one round trip instead of two:
// transfer.lua is acquire.lua for the contender's new token in which the releasing
// token's key counts as free, and the quorum, validity (from the transfer's start),
// fencing and cleanup rules are the acquire's, so the fencing and exclusion arguments
// carry over (handoff.go, fence.go). A transfer does not take a node on which another
// client's waiter left its marker: it releases and announces the lock there instead,
// so a chain of hand-overs inside one process cannot starve other processes. A
// transfer that fails is cleaned up like a failed attempt, the releasing token is
// released wherever the transfer got no answer, and the contender waits as after a
// failed attempt. The first release after a lease taken with nobody of its Client
// queued is an ordinary one: the Client learns that its lease holds the resource only
// while contenders are queued.
//
// # Throughput
//
// Calls that concurrent callers send to one node leave together as one pipeline: while
// a node's pipeline is in flight, new calls queue and go in the next one. There is no
// timer, so a lone caller pays one round trip (its calls to idle nodes are sent by the
// fan-out itself, not handed to a flusher), and one pipeline at a time keeps a node's
// calls in order (a cleanup does not overtake the request it undoes).
//
// # Caveats
//
// Redlock's safety rests on timing: node clocks must advance at about the same rate as
// the client's (the drift allowance covers 1%), must not jump backwards, and must
// differ by much less than the quarantine. Fencing tokens also assume fewer than a
// million acquisitions per second per resource and that two nodes do not lose their
// data within one clock skew of each other (fence.go).
//
// Restart detection sees a node that lost all its data (no persistence, FLUSHALL): its
// epoch key goes with its locks. A node that loses only its latest writes (RDB
// snapshots, or AOF without appendfsync always, after a crash) keeps an old epoch and
// is not detected: run such nodes with appendfsync always, or keep a crashed node out
// for the longest TTL before it rejoins. A client paused longer than its validity (GC,
// swap) may act after losing the lock: protect the resource with the fencing token.
package redlock
