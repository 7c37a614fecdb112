package locktest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/distlock/distlock/core/driver"
)

// unusualSuffixes are endings of resource names that a key layout might confuse: Redis
// key separators and Cluster hash tags, glob characters, blanks, NUL, multi-byte text, and
// names that look like an implementation's own auxiliary keys.
var unusualSuffixes = []string{
	"a", "A", "a:b", ":b", "a:", ":", "::", "a::b",
	"{a}", "{a}:b", "{", "}", "{}", "}{", "{{a}}",
	"*", "a*", "?", "[a]", "\\", "a/b", "%s",
	" ", "a b", " a", "a ", "\t", "a\nb", "a\x00b", "a\x00",
	"🔒", "ключ", "鍵", "e\u0301", "\u00e9",
	"x", "x:fence", "x:f", "x:token", "x:data", "x:owner", "x:meta", "x:seq", "x:counter",
	"x:info", "x:lock", "x:waiters", "x:ch", "lock:x", "fence:x",
}

func (s *suite) unusualNames(t *testing.T) {
	l := s.open(t)
	base := s.name(t, "")
	names := make([]string, 0, len(unusualSuffixes)+3)
	for _, suffix := range unusualSuffixes {
		names = append(names, base+suffix)
	}
	longest := base + strings.Repeat("x", driver.MaxResourceLen-len(base))
	names = append(names, longest, longest[:driver.MaxResourceLen-1], longest[:driver.MaxResourceLen-1]+"y")

	// First take and release every name once, so that whatever an implementation keeps
	// after a release (a fencing counter, say) exists when the others are locked.
	for _, r := range names {
		if err := l.Release(boundCtx(t), acquire(t, l, r, opts(ttl))); err != nil {
			t.Fatalf("release %s: %v", quote(r), err)
		}
	}
	// Then hold all of them at once: two names sharing a key would fail here (Wait 0).
	leases := make([]driver.Lease, len(names))
	for i, r := range names {
		leases[i] = acquire(t, l, r, driver.LeaseOptions{TTL: ttl, Owner: strconv.Itoa(i), Data: []byte(r)})
	}
	for i, r := range names {
		info, err := l.Info(boundCtx(t), r)
		if err != nil {
			t.Fatalf("info %s: %v", quote(r), err)
		}
		if info.Owner != strconv.Itoa(i) || info.FencingToken != leases[i].Fence {
			t.Errorf("info %s: owner %v, fencing token %d; want %d, %d", quote(r), info.Owner, info.FencingToken, i, leases[i].Fence)
		}
		data, err := l.Read(boundCtx(t), r)
		if err != nil || string(data) != r {
			t.Errorf("read %s: %s, %v; want its own name", quote(r), quote(string(data)), err)
		}
	}
	for i, r := range names {
		if err := l.Release(boundCtx(t), leases[i]); err != nil {
			t.Fatalf("release %s: %v", quote(r), err)
		}
	}
	for _, r := range names {
		wantFree(t, l, r)
	}
}
