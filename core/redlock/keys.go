package redlock

import (
	"encoding/base64"
	"hash/fnv"
)

// keys are the Redis keys of one resource. The resource name is base64url-encoded, so
// names of any bytes map to distinct keys made of [A-Za-z0-9_-] only: a name cannot
// collide with another, and cannot contain the ':' separators or the '{' '}' of the
// Redis Cluster hash tag, which wraps the encoded name so that all keys of a resource
// share one slot.
type keys struct {
	tag   string // the encoded resource, also the pub/sub message naming it
	lock  string // <prefix>:{<tag>}:l, the lock value; exists while held
	fence string // <prefix>:{<tag>}:f, the fencing counter; outlives the lock
}

func keysFor(prefix, resource string) keys {
	tag := base64.RawURLEncoding.EncodeToString([]byte(resource))
	base := prefix + ":{" + tag + "}:"
	return keys{tag: tag, lock: base + "l", fence: base + "f"}
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
