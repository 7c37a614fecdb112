package redlock

import (
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.Lister = (*Client)(nil)

// Listing's bounds per page: how many SCAN calls a page makes at most, each asking for
// about the page size in keys (COUNT, a hint to Redis, at least minListScanCount so that
// small pages over a sparse prefix still progress). A page thus costs at most
// maxListScans SCAN calls plus one list.lua call per node, whatever the keyspace holds.
const (
	minListScanCount = 100
	maxListScans     = 16
)

// List returns one page of the locks held under prefix; see [driver.Lister].
//
// It SCANs the nodes one after the other (never KEYS) for lock keys whose encoded name
// can start with prefix, then reads those keys on every node in one list.lua call each,
// and keeps the locks a quorum of trusted nodes agrees on, as Info does: a page is a
// snapshot at the time of that read. A lock held by a quorum is on at least one of any
// N-quorum+1 nodes, so only that many nodes are scanned (the first ones, in [New]'s
// order, that answer; a node that cannot be scanned is skipped for the rest of the
// listing). A lock is reported by the first scanned node that holds it, so a lock held
// throughout is listed once. Between pages locks change: a lock taken or released
// meanwhile may be missed or repeated. The page token holds the node, its SCAN cursor,
// how many keys of the cursor's batch were already taken and the skipped nodes.
func (c *Client) List(ctx context.Context, prefix string, pageSize int, token string) (driver.ListPage, error) {
	if err := (driver.Selector{Name: prefix, Prefix: true}).Validate(); err != nil {
		return driver.ListPage{}, err
	}
	pos, err := decodeListPos(prefix, token)
	if err != nil {
		return driver.ListPage{}, err
	}
	if c.closed.Load() {
		return driver.ListPage{}, driver.ErrClosed
	}
	pageSize = driver.ListPageSize(pageSize)
	keys, next, err := c.scanPage(ctx, prefix, pos, pageSize)
	if err != nil {
		return driver.ListPage{}, err
	}
	locks, err := c.readListed(ctx, prefix, keys, next.skipped)
	if err != nil {
		return driver.ListPage{}, err
	}
	page := driver.ListPage{Locks: locks}
	if !c.listDone(next) {
		page.Next = next.encode(prefix)
	}
	return page, nil
}

// listPos is where a List page starts: node, SCAN cursor, keys of its batch skipped,
// and the nodes skipped so far (bit i: node i could not be scanned).
type listPos struct {
	node    int
	cursor  uint64
	skip    int
	skipped uint64
}

// listDone reports whether enough nodes were scanned: N-quorum+1 of them, or all.
func (c *Client) listDone(p listPos) bool {
	scanned := p.node - bits.OnesCount64(p.skipped)
	return p.node >= len(c.net.nodes) || scanned >= len(c.net.nodes)-c.net.quorum+1
}

// scanned is a lock key a node's SCAN returned.
type scanned struct {
	key  string
	node int
}

// scanPage collects up to size lock keys from pos on and returns where the next page
// starts.
func (c *Client) scanPage(ctx context.Context, prefix string, pos listPos, size int) ([]scanned, listPos, error) {
	match := listMatch(c.cfg.keyPrefix, prefix)
	var out []scanned
	for scans := 0; !c.listDone(pos) && len(out) < size && scans < maxListScans; scans++ {
		n := c.net.nodes[pos.node]
		sctx, cancel := context.WithTimeout(ctx, c.cfg.nodeTimeoutFor(0))
		batch, cursor, err := n.rdb.Scan(sctx, pos.cursor, match, int64(max(size, minListScanCount))).Result()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, pos, ctx.Err()
			}
			c.net.onError(n.addr, err)
			if pos.node < 64 {
				pos.skipped |= 1 << pos.node
			}
			pos = listPos{node: pos.node + 1, skipped: pos.skipped}
			continue
		}
		batch = batch[min(pos.skip, len(batch)):]
		take := min(len(batch), size-len(out))
		for _, key := range batch[:take] {
			out = append(out, scanned{key: key, node: pos.node})
		}
		switch {
		case take < len(batch):
			pos.skip += take // the rest of this batch starts the next page
		case cursor == 0:
			pos = listPos{node: pos.node + 1, skipped: pos.skipped}
		default:
			pos = listPos{node: pos.node, cursor: cursor, skipped: pos.skipped}
		}
	}
	return out, pos, nil
}

// listMatch is the SCAN pattern of the lock keys whose resource may start with prefix:
// base64 maps each 3 bytes to 4 characters, so the encoding of the prefix's first whole
// groups of 3 bytes starts the encoded name; the rest is checked after decoding.
func listMatch(keyPrefix, prefix string) string {
	whole := prefix[:len(prefix)/3*3]
	return globEscape(keyPrefix) + ":{" + base64.RawURLEncoding.EncodeToString([]byte(whole)) + "*}:l"
}

// readListed reads the scanned keys on every node and keeps the locks a quorum of
// trusted nodes holds, each reported by the first scanned node that holds it.
func (c *Client) readListed(ctx context.Context, prefix string, found []scanned, skipped uint64) ([]driver.Listed, error) {
	var keys []string
	var names []string
	var from []int
	for _, s := range found {
		name, ok := resourceOfKey(c.cfg.keyPrefix, s.key)
		if ok && strings.HasPrefix(name, prefix) {
			keys, names, from = append(keys, s.key), append(names, name), append(from, s.node)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	replies, errs := fanout(ctx, c.net, newQuery(listScript, c.cfg.nodeTimeoutFor(0), append([]string{c.epochKey}, keys...)),
		func(v any) (listReply, error) { return decodeList(v, len(keys)) })
	answered := 0
	failed := map[string]error{}
	for i, n := range c.net.nodes {
		err := errs[i]
		if err == nil {
			if err = c.trust.check(i, replies[i].epoch); err != nil {
				replies[i].values = nil // not counted
			}
		}
		if err != nil {
			failed[n.addr] = err
			continue
		}
		answered++
	}
	if answered < c.net.quorum {
		return nil, c.net.unavailable(failed)
	}
	var out []driver.Listed
	for j, name := range names {
		if heldEarlier(replies, skipped, j, from[j]) {
			continue
		}
		info, ok, err := quorumHolder(replies, j, c.net.quorum)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, driver.Listed{Resource: name, Info: info, Waiters: c.queues.contenders(keysFor(c.cfg.keyPrefix, name).tag)})
		}
	}
	return out, nil
}

// listReply is one node's answer to list.lua.
type listReply struct {
	epoch   epochInfo
	values  []string
	expires []int64
}

func decodeList(v any, n int) (listReply, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2+2*n {
		return listReply{}, fmt.Errorf("redlock: unexpected list reply %T", v)
	}
	id, ok1 := arr[0].(string)
	age, ok2 := arr[1].(int64)
	if !ok1 || !ok2 {
		return listReply{}, errBadValue
	}
	r := listReply{epoch: epochInfo{id: id, age: time.Duration(age) * time.Millisecond},
		values: make([]string, n), expires: make([]int64, n)}
	for j := range n {
		r.values[j], ok1 = arr[2+2*j].(string)
		r.expires[j], ok2 = arr[3+2*j].(int64)
		if !ok1 || !ok2 {
			return listReply{}, errBadValue
		}
	}
	return r, nil
}

// heldEarlier reports whether a node before from, not skipped by the scan, answered
// that it holds key j: that node's scan reports the lock, not from's. Nodes that did not
// answer this read do not count, so a lock is not dropped by both nodes' pages.
func heldEarlier(replies []listReply, skipped uint64, j, from int) bool {
	for i, r := range replies[:from] {
		if (i >= 64 || skipped&(1<<i) == 0) && r.values != nil && r.values[j] != "" {
			return true
		}
	}
	return false
}

// quorumHolder returns the holder of key j that a quorum of the counted replies agrees
// on, as look does for one resource: the highest fencing token among its nodes and the
// quorum-th latest expiry.
func quorumHolder(replies []listReply, j, quorum int) (driver.Info, bool, error) {
	byToken := map[string][]int{}
	for i, r := range replies {
		if r.values != nil && len(r.values[j]) >= keyTokenLen {
			tok := r.values[j][:keyTokenLen]
			byToken[tok] = append(byToken[tok], i)
		}
	}
	for _, nodes := range byToken {
		if len(nodes) < quorum {
			continue
		}
		var best value
		expires := make([]int64, 0, len(nodes))
		for _, i := range nodes {
			v, err := parseValue(replies[i].values[j])
			if err != nil {
				return driver.Info{}, false, err
			}
			if v.fence >= best.fence {
				best = v
			}
			expires = append(expires, replies[i].expires[j])
		}
		slices.Sort(expires)
		return driver.Info{LockTime: best.lockTime, ExpireTime: time.UnixMilli(expires[len(expires)-quorum]),
			Owner: best.owner, FencingToken: best.fence}, true, nil
	}
	return driver.Info{}, false, nil
}

// A List page token is the base64url of
// "r1 <node> <cursor> <skip> <skipped nodes> <prefix hash>".
func (p listPos) encode(prefix string) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "r1 %d %d %d %x %x",
		p.node, p.cursor, p.skip, p.skipped, prefixHash(prefix)))
}

func decodeListPos(prefix, token string) (listPos, error) {
	var p listPos
	if token == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	var h uint32
	if err == nil {
		_, err = fmt.Sscanf(string(raw), "r1 %d %d %d %x %x", &p.node, &p.cursor, &p.skip, &p.skipped, &h)
	}
	if err != nil || h != prefixHash(prefix) || p.node < 0 || p.skip < 0 {
		return listPos{}, driver.Invalid("page token %q is not one this service gave for prefix %q", token, prefix)
	}
	return p, nil
}

func prefixHash(prefix string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(prefix))
	return h.Sum32()
}
