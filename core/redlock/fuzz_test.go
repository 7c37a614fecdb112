package redlock

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// FuzzAcquireInput feeds arbitrary resource names, TTLs, owners and payloads to every
// method. Nothing may panic; input the core's validation rejects must fail with an
// invalid argument and write nothing to Redis; accepted input must round-trip through
// Info and Read, and leave no lock key behind once released.
func FuzzAcquireInput(f *testing.F) {
	f.Add("r", int64(5000), "alice", []byte("data"))
	f.Add("", int64(5000), "", []byte(nil))
	f.Add(strings.Repeat("x", core.MaxResourceLen+1), int64(5000), "", []byte(nil))
	f.Add("{tag}:l", int64(600000), "o:1:", []byte(":\x00"))
	f.Add("ä/ö", int64(4999), "", []byte(nil))
	f.Add("r", int64(600001), "", []byte(nil))
	f.Add("r", int64(-1), "", []byte(nil))
	f.Add("\xff", int64(5000), "", []byte(nil))
	f.Add("r", int64(5000), "\xff", []byte(nil))
	f.Add("big", int64(5000), "", bytes.Repeat([]byte{1}, core.MaxDataLen+1))

	nodes := make([]*miniredis.Miniredis, 3)
	for i := range nodes {
		nodes[i] = miniredis.RunT(f)
	}
	c := newClient(f, miniAddrs(nodes))
	keyCount := func() int {
		n := 0
		for _, m := range nodes {
			n += len(m.Keys())
		}
		return n
	}

	f.Fuzz(func(t *testing.T, resource string, ttlMs int64, owner string, data []byte) {
		ttl := time.Duration(ttlMs) * time.Millisecond
		o := driver.LeaseOptions{TTL: ttl, Owner: owner, Data: data}
		valid := driver.ValidateResource(resource) == nil && driver.ValidateLease(o) == nil
		before := keyCount()
		l, err := c.Acquire(ctxT(t), resource, o)
		if !valid {
			if !errors.Is(err, core.ErrInvalidArgument) {
				t.Fatalf("acquire of rejected input: %v, want an invalid argument", err)
			}
			if after := keyCount(); after != before {
				t.Fatalf("rejected input changed the key count from %d to %d", before, after)
			}
			lease := driver.Lease{Resource: resource, Token: must1(newToken()), TTL: core.MinTTL}
			if driver.ValidateResource(resource) != nil {
				_, e1 := c.Extend(ctxT(t), lease, core.MinTTL)
				e2 := c.Release(ctxT(t), lease)
				_, e3 := c.Info(ctxT(t), resource)
				_, e4 := c.Read(ctxT(t), resource)
				for _, e := range []error{e1, e2, e3, e4} {
					if !errors.Is(e, core.ErrInvalidArgument) {
						t.Fatalf("call with a rejected resource name: %v", e)
					}
				}
				if after := keyCount(); after != before {
					t.Fatalf("rejected calls changed the key count from %d to %d", before, after)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("acquire of valid input: %v", err)
		}
		info, err := c.Info(ctxT(t), resource)
		if err != nil || info.Owner != owner || info.FencingToken != l.Fence {
			t.Fatalf("info: %+v, %v", info, err)
		}
		got, err := c.Read(ctxT(t), resource)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read: %d bytes, %v; want %d bytes", len(got), err, len(data))
		}
		if err := c.Release(ctxT(t), l); err != nil {
			t.Fatalf("release: %v", err)
		}
		for _, m := range nodes {
			if keys := lockKeys(m.Keys()); len(keys) != 0 {
				t.Fatalf("lock keys left after release: %v", keys)
			}
		}
	})
}

// TestTokensAreNeverLogged runs grants, failures and faults with a debug logger and a
// node error hook, and checks that no lease token appears in either.
func TestTokensAreNeverLogged(t *testing.T) {
	nodes := miniNodes(t, 3)
	var logs bytes.Buffer
	var hooked strings.Builder
	c := newClient(t, miniAddrs(nodes), WithLogger(newDebugLogger(&logs)),
		WithNodeErrorHook(func(node string, err error) { hooked.WriteString(err.Error()) }))
	other := newClient(t, miniAddrs(nodes))
	l := mustAcquire(t, c, "secret", lopts(core.MinTTL))
	_, err := other.Acquire(ctxT(t), "secret", driver.LeaseOptions{TTL: core.MinTTL, Wait: 10 * time.Millisecond})
	if !errors.Is(err, core.ErrAcquireTimeout) {
		t.Fatalf("contender: %v", err)
	}
	nodes[0].Close()
	l, err = c.Extend(ctxT(t), l, core.MinTTL)
	if err != nil {
		t.Fatal(err)
	}
	nodes[0].FlushAll()
	if err := c.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 || hooked.Len() == 0 {
		t.Fatal("nothing was logged or hooked: the test proves nothing")
	}
	for _, s := range []string{logs.String(), hooked.String()} {
		if strings.Contains(s, l.Token) {
			t.Fatalf("a lease token was logged: %s", s)
		}
	}
}
