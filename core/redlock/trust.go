package redlock

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Restart quarantine.
//
// A node that restarts without persistence (or is flushed) forgets its locks, and could
// grant a lock that a quorum including it had granted before. Each node carries an
// epoch key (<prefix>:epoch: a random id and the node's time at creation) that the
// acquire script creates when missing; every script reports its age. A node whose epoch
// is younger than the quarantine ([WithQuarantine]; default 10 minutes, the longest
// TTL) does not count toward a quorum; it still receives writes and cleanups, so by the
// time it counts, every lock it forgot has expired everywhere. A fresh cluster looks
// like one that lost its data, so it is quarantined once at first use, unless the
// operator initialised its nodes (trust_init.go); WithQuarantine(0) (URL:
// ?quarantine=0) is for throw-away or embedded servers only.
//
// An epoch key was chosen over the server's run_id and uptime because it also detects a
// FLUSHALL and arrives with every script reply, at no extra round trip. An epoch only
// gets older: once a Client has seen one past its quarantine, its acquires list the
// epoch's id (ARGV[7] of acquire.lua) and the script does not read the node's clock for
// it.
//
// Only a node that lost all its data is detected: its epoch key goes with its locks
// (the package doc's caveats say what that asks of persistence).

// errQuarantined is the reason a node that answered is not counted: it lost its data
// (or is new) less than the quarantine ago. The error in an [driver.UnavailableError]
// is a *quarantinedError, which matches it under errors.Is.
var errQuarantined = errors.New("node quarantined")

// quarantinedError tells the operator which node is not counted and for how long, so
// that the first refusals of a new cluster explain themselves.
type quarantinedError struct {
	quarantine time.Duration
	age        time.Duration // of the node's epoch; < 0: not known
}

func (e *quarantinedError) Error() string {
	const why = "the node is new or lost its data, and may have forgotten locks still held " +
		"(a new cluster's nodes are trusted at once after `distlock redis init`)"
	if e.age < 0 {
		return fmt.Sprintf("quarantined until its data is %v old: %s", e.quarantine, why)
	}
	return fmt.Sprintf("quarantined for another %v: its data is %v old; %s",
		(e.quarantine - e.age).Round(time.Second), e.age.Round(time.Second), why)
}

func (e *quarantinedError) Is(target error) bool { return target == errQuarantined }

// trust decides whose answers count toward a quorum, from the epochs the nodes report.
// It is safe for concurrent use.
type trust struct {
	quarantine time.Duration
	logger     *slog.Logger
	addrs      []string    // the nodes', by index
	nodes      []nodeTrust // by node index

	mu sync.Mutex // serialises rebuilds of list
	// list is ARGV[7] of acquire.lua and transfer.lua (a string): the ids of the nodes'
	// epochs seen past the quarantine, each between spaces.
	list atomic.Value
}

// nodeTrust is what trust knows of one node.
type nodeTrust struct {
	last atomic.Value // string: the epoch id seen last, to log a change once
	// trusted (string) is the id of the node's epoch seen past the quarantine: it stays
	// trusted, since an epoch only gets older.
	trusted atomic.Value
}

// epochInfo is what every script but release reports about the node it ran on.
type epochInfo struct {
	id string
	// age < 0: not read, as the caller trusts the epoch (acquire.lua's ARGV[7]).
	age time.Duration
}

func newTrust(addrs []string, quarantine time.Duration, logger *slog.Logger) *trust {
	t := &trust{quarantine: quarantine, logger: logger, addrs: addrs, nodes: make([]nodeTrust, len(addrs))}
	t.list.Store(" ")
	return t
}

// epochs returns the ids of the epochs trusted, for acquire.lua's ARGV[7]: a string,
// kept as the interface value it is stored in (a conversion would allocate per call).
func (t *trust) epochs() any { return t.list.Load() }

// check returns nil when the answer of node i, which reported epoch e, counts toward a
// quorum, and why not otherwise. It logs the first sight of a new epoch on a node that
// had another one: the node lost its data.
func (t *trust) check(i int, e epochInfo) error {
	n := &t.nodes[i]
	if prev, _ := n.last.Load().(string); prev != e.id {
		n.last.Store(e.id)
		if prev != "" {
			t.logger.Warn("redlock: node lost its data; its votes are ignored during the quarantine",
				"node", t.addrs[i], "quarantine", t.quarantine)
		}
	}
	mine, _ := n.trusted.Load().(string)
	if e.age < 0 {
		// The script found the id among those trusted. Nodes whose epochs one attempt
		// created share its id, so it may be another node's: then this node's age is
		// unknown, and the id leaves the list until this node is past the quarantine too.
		if e.id != "" && e.id == mine {
			return nil
		}
		t.rebuild(-1, "")
		return t.verdict(t.quarantine == 0, -1)
	}
	if e.id == "" {
		// No epoch: the node lost its data, or never served an acquire (which creates it).
		return t.verdict(t.quarantine == 0, -1)
	}
	ok := t.quarantine == 0 || e.age >= t.quarantine
	if ok && mine != e.id {
		t.rebuild(i, e.id)
	}
	return t.verdict(ok, e.age)
}

// verdict is check's answer for an epoch of this age (< 0: not known).
func (t *trust) verdict(ok bool, age time.Duration) error {
	if ok {
		return nil
	}
	return &quarantinedError{quarantine: t.quarantine, age: age}
}

// rebuild records that node i's epoch id is past the quarantine (when i ≥ 0) and
// rebuilds the list of trusted epochs: the ids trusted on some node and seen last,
// untrusted, on none.
func (t *trust) rebuild(i int, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i >= 0 {
		t.nodes[i].trusted.Store(id)
	}
	var b strings.Builder
	b.WriteByte(' ')
	for j := range t.nodes {
		id, _ := t.nodes[j].trusted.Load().(string)
		if id == "" || t.seenUntrusted(id) {
			continue
		}
		b.WriteString(id)
		b.WriteByte(' ')
	}
	t.list.Store(b.String())
}

// seenUntrusted reports whether a node's last seen epoch is id without being trusted.
func (t *trust) seenUntrusted(id string) bool {
	for j := range t.nodes {
		last, _ := t.nodes[j].last.Load().(string)
		mine, _ := t.nodes[j].trusted.Load().(string)
		if last == id && mine != id {
			return true
		}
	}
	return false
}
