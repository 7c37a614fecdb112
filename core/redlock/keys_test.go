package redlock

import (
	"strings"
	"testing"
)

// TestKeysAreDistinctAndWellFormed: names that look alike, contain separators or hash-tag
// braces still map to distinct keys with exactly one hash tag.
func TestKeysAreDistinctAndWellFormed(t *testing.T) {
	names := []string{"a", "a:", "a:l", "{a}", "a}", "{", "}", "a b", "ä", "a\x00", "\x00a",
		"distlock:{YQ}:l", "x/y", "x%2Fy", strings.Repeat("z", 1024)}
	seen := map[string]string{}
	for _, n := range names {
		k := keysFor("distlock", n)
		if prev, dup := seen[k.lock]; dup {
			t.Errorf("%q and %q share the key %s", prev, n, k.lock)
		}
		seen[k.lock] = n
		if strings.Count(k.lock, "{") != 1 || strings.Count(k.lock, "}") != 1 || k.lock != "distlock:{"+k.tag+"}:l" {
			t.Errorf("key %q of %q breaks the layout distlock:{tag}:l", k.lock, n)
		}
		if !strings.HasPrefix(k.fence, "distlock:fence:") || len(k.fenceField) != 8 {
			t.Errorf("fence counter %q / %q of %q breaks the layout", k.fence, k.fenceField, n)
		}
		if strings.ContainsAny(k.tag, ":{} ") {
			t.Errorf("tag %q of %q contains a separator", k.tag, n)
		}
	}
}

// TestHomeNodeIsStable: every process must agree on a resource's home node.
func TestHomeNodeIsStable(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		for _, r := range []string{"a", "orders/42", "ä"} {
			h := homeNode(r, n)
			if h < 0 || h >= n || h != homeNode(r, n) {
				t.Errorf("homeNode(%q, %d) = %d is not a stable index", r, n, h)
			}
		}
	}
}
