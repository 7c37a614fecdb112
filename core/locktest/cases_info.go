package locktest

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// clockSlack allows for the granularity of a lock service's clock (Redis reports
// milliseconds) when comparing the times Info reports. It is not a timing assertion.
const clockSlack = time.Second

func (s *suite) infoAndRead(t *testing.T) {
	l := s.open(t)
	owners := map[string]string{
		"plain":   "worker-7",
		"unicode": "Jörg 🔒 作業者",
		"longest": strings.Repeat("o", driver.MaxOwnerLen),
		"empty":   "",
	}
	for label, owner := range owners {
		r := s.name(t, label)
		lease := acquire(t, l, r, driver.LeaseOptions{TTL: ttl, Owner: owner, Data: []byte(label)})
		info, err := l.Info(boundCtx(t), r)
		if err != nil {
			t.Fatalf("info %s: %v", label, err)
		}
		now := time.Now()
		if info.Owner != owner {
			t.Errorf("info %s: owner %#v, want %q", label, info.Owner, owner)
		}
		if info.FencingToken != lease.Fence {
			t.Errorf("info %s: fencing token %d, want %d", label, info.FencingToken, lease.Fence)
		}
		if info.LockTime.After(now.Add(clockSlack)) || now.After(info.ExpireTime) {
			t.Errorf("info %s: want lock time %v <= now %v <= expire time %v", label, info.LockTime, now, info.ExpireTime)
		}
		if info.ExpireTime.After(info.LockTime.Add(ttl + clockSlack)) {
			t.Errorf("info %s: expire time %v is more than the TTL %v after lock time %v", label, info.ExpireTime, ttl, info.LockTime)
		}
		data, err := l.Read(boundCtx(t), r)
		if err != nil || string(data) != label {
			t.Errorf("read %s: %q, %v; want %q", label, data, err, label)
		}
	}
}

func (s *suite) payloadRoundTrips(t *testing.T) {
	l := s.open(t)
	largest := make([]byte, driver.MaxDataLen)
	_, _ = rand.Read(largest) // arbitrary bytes: NULs, invalid UTF-8, anything
	payloads := map[string][]byte{
		"nil":     nil,
		"empty":   {},
		"text":    []byte("hello"),
		"binary":  {0, 0xff, 0xfe, '\n', 0},
		"largest": largest,
	}
	for label, payload := range payloads {
		r := s.name(t, label)
		given := bytes.Clone(payload)
		acquire(t, l, r, driver.LeaseOptions{TTL: ttl, Data: given})
		if len(given) > 0 {
			given[0] ^= 1 // the lock must have kept its own copy
		}
		data, err := l.Read(boundCtx(t), r)
		if err != nil {
			t.Fatalf("read %s: %v", label, err)
		}
		if !bytes.Equal(data, payload) {
			t.Errorf("read %s: got %d bytes, want the %d bytes stored", label, len(data), len(payload))
		}
	}
}

func (s *suite) freeResource(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	wantFree(t, l, r)
	_, err := l.Read(boundCtx(t), r)
	wantErr(t, "read of a free resource", err, driver.ErrNotHeld)

	lease := acquire(t, l, r, driver.LeaseOptions{TTL: ttl, Data: []byte("x")})
	if err := l.Release(boundCtx(t), lease); err != nil {
		t.Fatal(err)
	}
	wantFree(t, l, r)
	_, err = l.Read(boundCtx(t), r)
	wantErr(t, "read after release", err, driver.ErrNotHeld)
}
