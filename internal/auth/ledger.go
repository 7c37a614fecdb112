package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
)

// ledger keeps what each principal uses of this replica: its waiting Acquires, its held
// leases (with their payload bytes, until released or expired) and its rate bucket. It
// outlives policy reloads. Leases taken or released through another replica are not
// seen here, so quotas are per replica; a lease released elsewhere leaves this ledger
// when it expires.
type ledger struct {
	mu       sync.Mutex
	accounts map[string]*account
	owners   map[leaseKey]string // lease -> principal
}

type leaseKey struct{ resource, token string }

type account struct {
	waiting  int
	pending  int   // Acquires in flight, counted against max_held until they end
	pendingB int64 // their payload bytes
	held     map[leaseKey]heldLease
	bytes    int64 // payload bytes of held
	tokens   float64
	refilled time.Time
}

type heldLease struct {
	bytes   int64
	expires time.Time
}

func newLedger() *ledger {
	return &ledger{accounts: map[string]*account{}, owners: map[leaseKey]string{}}
}

func (l *ledger) accountLocked(principal string, q Quota, now time.Time) *account {
	a := l.accounts[principal]
	if a == nil {
		a = &account{held: map[leaseKey]heldLease{}, tokens: float64(q.Burst), refilled: now}
		l.accounts[principal] = a
	}
	return a
}

// expireLocked forgets the account's leases whose validity has ended: the lock service
// has freed them, whether or not anyone released them.
func (l *ledger) expireLocked(a *account, now time.Time) {
	for k, h := range a.held {
		if now.After(h.expires) {
			delete(a.held, k)
			delete(l.owners, k)
			a.bytes -= h.bytes
		}
	}
}

// exhausted is the error of a quota reached: it names the quota and its value.
func exhausted(quota string, value any, principal string) error {
	return fmt.Errorf("quota %s (%v) reached for %q", quota, value, principal)
}

// takeToken spends one call from the principal's bucket, refilled at q.Rate per second
// up to q.Burst.
func (l *ledger) takeToken(principal string, q Quota, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.accountLocked(principal, q, now)
	a.tokens = min(a.tokens+now.Sub(a.refilled).Seconds()*q.Rate, float64(q.Burst))
	a.refilled = now
	if a.tokens < 1 {
		return false
	}
	a.tokens--
	return true
}

// BeginAcquire checks an Acquire against its caller's quotas (max_ttl, max_held,
// max_payload_bytes, and max_waiting if it may wait) and counts it until end is called
// with the lease granted, or nil. Without an identity there is nothing to count.
func (a *Authority) BeginAcquire(ctx context.Context, ttl time.Duration, payload int, waits bool) (end func(*driver.Lease), err error) {
	id := FromContext(ctx)
	if id == nil {
		return func(*driver.Lease) {}, nil
	}
	p := a.policy.Load()
	q := p.quotaOf(id.Principal)
	deny := func(quota string, value any) error {
		return a.Deny(ctx, p, id, VerbAcquire, "", connect.CodeResourceExhausted, exhausted(quota, value, id.Principal).Error())
	}
	if q.MaxTTL > 0 && ttl > q.MaxTTL {
		return nil, deny("max_ttl", q.MaxTTL)
	}
	l := a.ledger
	now := time.Now()
	l.mu.Lock()
	acct := l.accountLocked(id.Principal, q, now)
	if len(acct.held)+acct.pending >= q.MaxHeld || acct.bytes+acct.pendingB+int64(payload) > q.MaxPayloadBytes {
		l.expireLocked(acct, now) // only when it matters: the scan costs one step per lease
	}
	var over string
	var value any
	switch {
	case len(acct.held)+acct.pending >= q.MaxHeld:
		over, value = "max_held", q.MaxHeld
	case acct.bytes+acct.pendingB+int64(payload) > q.MaxPayloadBytes:
		over, value = "max_payload_bytes", q.MaxPayloadBytes
	case waits && acct.waiting >= q.MaxWaiting:
		over, value = "max_waiting", q.MaxWaiting
	}
	if over != "" {
		l.mu.Unlock()
		return nil, deny(over, value)
	}
	acct.pending++
	acct.pendingB += int64(payload)
	if waits {
		acct.waiting++
	}
	l.mu.Unlock()
	return func(granted *driver.Lease) {
		l.mu.Lock()
		defer l.mu.Unlock()
		acct.pending--
		acct.pendingB -= int64(payload)
		if waits {
			acct.waiting--
		}
		if granted != nil {
			k := leaseKey{granted.Resource, granted.Token}
			acct.held[k] = heldLease{bytes: int64(payload), expires: granted.Validity}
			acct.bytes += int64(payload)
			l.owners[k] = id.Principal
		}
	}, nil
}

// CheckExtend refuses an Extend beyond its caller's max_ttl.
func (a *Authority) CheckExtend(ctx context.Context, ttl time.Duration) error {
	id := FromContext(ctx)
	if id == nil {
		return nil
	}
	p := a.policy.Load()
	if q := p.quotaOf(id.Principal); q.MaxTTL > 0 && ttl > q.MaxTTL {
		return a.Deny(ctx, p, id, VerbAcquire, "", connect.CodeResourceExhausted, exhausted("max_ttl", q.MaxTTL, id.Principal).Error())
	}
	return nil
}

// Extended moves a counted lease's expiry.
func (a *Authority) Extended(lease driver.Lease) {
	l := a.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	k := leaseKey{lease.Resource, lease.Token}
	if acct := l.accounts[l.owners[k]]; acct != nil {
		if h, ok := acct.held[k]; ok {
			h.expires = lease.Validity
			acct.held[k] = h
		}
	}
}

// Released stops counting a lease.
func (a *Authority) Released(resource, token string) {
	l := a.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	k := leaseKey{resource, token}
	principal, ok := l.owners[k]
	if !ok {
		return
	}
	delete(l.owners, k)
	if acct := l.accounts[principal]; acct != nil {
		acct.bytes -= acct.held[k].bytes
		delete(acct.held, k)
	}
}
