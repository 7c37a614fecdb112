package redlock

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"strconv"
	"strings"
)

// keys are the Redis keys of one resource. The resource name is base64url-encoded, so
// names of any bytes map to distinct keys made of [A-Za-z0-9_-] only: a name cannot
// collide with another, and cannot contain the ':' separators or the '{' '}' of a Redis
// Cluster hash tag, which wraps the encoded name.
//
// Fence counters live in fenceBuckets hashes, <prefix>:fence:<n>, in the field named by
// 8 bytes of a 64-bit hash of the resource: about 25 bytes per resource instead of the
// ~170 of a key of its own, which keeps a held lock under 250 bytes of Redis memory.
// Two resources whose hashes collide share a counter; that is safe, because a counter
// only grows, so each resource's tokens still strictly increase (they skip values).
// The bucket count is part of the data layout: changing it would restart counters.
type keys struct {
	tag        string // the encoded resource, also the pub/sub message naming it
	lock       string // <prefix>:{<tag>}:l, the lock value; exists while held
	waiters    string // <prefix>:{<tag>}:w, set while a refused acquire may wait
	fence      string // <prefix>:fence:<n>, the hash holding the fencing counter
	fenceField string // the counter's field: 8 bytes of the resource's hash
}

// fenceBuckets is how many hashes share the fence counters.
const fenceBuckets = 1024

func keysFor(prefix, resource string) keys {
	tag := base64.RawURLEncoding.EncodeToString([]byte(resource))
	h := fnv.New64a()
	h.Write([]byte(resource))
	sum := h.Sum64()
	var field [8]byte
	binary.BigEndian.PutUint64(field[:], sum)
	return keys{
		tag:        tag,
		lock:       prefix + ":{" + tag + "}:l",
		waiters:    prefix + ":{" + tag + "}:w",
		fence:      prefix + ":fence:" + strconv.FormatUint(sum%fenceBuckets, 10),
		fenceField: string(field[:]),
	}
}

// epochKey holds the node's epoch: a random id and the node's time when it was created.
// Scripts create it when missing, so its absence or youth means the node lost its data.
func epochKey(prefix string) string { return prefix + ":epoch" }

// releaseChannel is the one pub/sub channel per node on which releases are announced,
// with the resource's tag as the message.
func releaseChannel(prefix string) string { return prefix + ":released" }

// homeNode is the index of the node whose vote breaks ties between processes that
// contend for resource: the winner there retries sooner than the others.
func homeNode(resource string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(resource))
	return int(h.Sum32() % uint32(n))
}

// globEscape escapes the characters special in a Redis glob pattern (SCAN's MATCH,
// PSUBSCRIBE), for patterns under the key prefix.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
