package core

import (
	"context"
	"errors"
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// Client is the [Locker] for lock services addressed by URL: it opens one
// [driver.Lessor] per service URL on first use, renews the locks it grants and remembers
// them by resource, so that Release(ctx, service, resource) works as the seed API
// describes. The zero value is not usable; call [NewClient] or [OpenClient]. A Client is
// safe for concurrent use.
type Client struct {
	mu      sync.Mutex
	lessors map[string]driver.Lessor
	// only is set by OpenClient: the client serves that one service and opens no other.
	only bool
	held map[heldKey]Lock
	// sessions are the open sessions, which Close closes.
	sessions map[*Session]struct{}
	closed   bool
}

type heldKey struct{ service, resource string }

// NewClient returns a Client with no services opened yet. It opens each service URL
// with the implementation registered for its scheme (see [driver.Register]), which the
// program must import.
func NewClient() *Client {
	return &Client{lessors: map[string]driver.Lessor{}, held: map[heldKey]Lock{}, sessions: map[*Session]struct{}{}}
}

// OpenClient returns a Client over one lock service that is already open, as
// sql.OpenDB does for a driver.Connector: no URL scheme is looked up and the global
// registry is not involved, so l can carry options a URL cannot (a logger, hooks, an
// HTTP client). The client serves service and nothing else: its methods return an
// error matching [ErrInvalidArgument] for any other service string. service is only a
// name here; it need not be a URL. Close closes l.
func OpenClient(service string, l driver.Lessor) *Client {
	c := NewClient()
	c.lessors[service] = l
	c.only = true
	return c
}

var _ Locker = (*Client)(nil)

func (c *Client) lessor(service string) (driver.Lessor, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if l, ok := c.lessors[service]; ok {
		c.mu.Unlock()
		return l, nil
	}
	only := c.only
	c.mu.Unlock()
	if only {
		// The name is not repeated: it may be a URL that carries a password.
		return nil, driver.Invalid("this client serves only the service given to OpenClient")
	}

	// Open outside the lock: it may dial, and renewals that end need the lock meanwhile.
	l, err := driver.Open(service)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.Join(ErrClosed, l.Close())
	}
	if prev, ok := c.lessors[service]; ok { // another call opened it first
		return prev, l.Close()
	}
	c.lessors[service] = l
	return l, nil
}

// TryLock locks resource at service, waiting until it is free or ctx is done; then it
// returns an error matching [ErrAcquireTimeout]. The lock renews itself until released.
func (c *Client) TryLock(ctx context.Context, service, resource string, options ...LockOption) (Lock, error) {
	o := lockOptions(options)
	lo := driver.LeaseOptions{TTL: o.TTL, Owner: o.Owner, Data: o.Data, Wait: -1}
	if err := driver.ValidateResource(resource); err != nil {
		return Lock{}, err
	}
	if err := driver.ValidateLease(lo); err != nil {
		return Lock{}, err
	}
	l, err := c.lessor(service)
	if err != nil {
		return Lock{}, err
	}
	lease, err := l.Acquire(ctx, resource, lo)
	if err != nil {
		return Lock{}, err
	}
	return c.track(ctx, service, lease, func(onEnd func()) Lock { return Hold(l, lease, onEnd) })
}

// track records the lock that hold makes of lease, so that Release(service, resource)
// and Close find it, until it ends.
func (c *Client) track(ctx context.Context, service string, lease driver.Lease, hold func(onEnd func()) Lock) (Lock, error) {
	key := heldKey{service, lease.Resource}
	lock := hold(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if cur, ok := c.held[key]; ok && cur.LeaseToken == lease.Token {
			delete(c.held, key)
		}
	})
	c.mu.Lock()
	if c.closed {
		// Close ran while Acquire was granting: it could not see this lock, so release
		// it here rather than leave it renewing after Close.
		c.mu.Unlock()
		return Lock{}, errors.Join(ErrClosed, lock.Release(context.WithoutCancel(ctx)))
	}
	select {
	case <-lock.Lost: // lost before it was recorded: onEnd found nothing to delete
	default:
		c.held[key] = lock
	}
	c.mu.Unlock()
	return lock, nil
}

// Release releases the lock this client holds on resource at service, or, with
// [WithLeaseToken], the lease with that token. It returns [ErrNotHeld] when there is
// no such lock.
func (c *Client) Release(ctx context.Context, service, resource string, options ...UnlockOption) error {
	o := unlockOptions(options)
	if err := driver.ValidateResource(resource); err != nil {
		return err
	}
	if o.LeaseToken != "" {
		l, err := c.lessor(service)
		if err != nil {
			return err
		}
		c.mu.Lock()
		cur, ok := c.held[heldKey{service, resource}]
		c.mu.Unlock()
		if ok && cur.LeaseToken == o.LeaseToken {
			return cur.Release(ctx)
		}
		return l.Release(ctx, driver.Lease{Resource: resource, Token: o.LeaseToken})
	}
	c.mu.Lock()
	lock, ok := c.held[heldKey{service, resource}]
	c.mu.Unlock()
	if !ok {
		return ErrNotHeld
	}
	return lock.Release(ctx)
}

// Info describes the holder of resource at service, or returns [ErrNotHeld].
func (c *Client) Info(ctx context.Context, service, resource string) (Info, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return Info{}, err
	}
	l, err := c.lessor(service)
	if err != nil {
		return Info{}, err
	}
	i, err := l.Info(ctx, resource)
	if err != nil {
		return Info{}, err
	}
	return Info{LockTime: i.LockTime, ExpireTime: i.ExpireTime, Owner: i.Owner, FencingToken: i.FencingToken}, nil
}

// Read returns the payload of the lock on resource at service, or [ErrNotHeld].
func (c *Client) Read(ctx context.Context, service, resource string) ([]byte, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return nil, err
	}
	l, err := c.lessor(service)
	if err != nil {
		return nil, err
	}
	return l.Read(ctx, resource)
}

// Close releases every lock the client holds and closes its services' connections.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	locks := make([]Lock, 0, len(c.held))
	for _, l := range c.held {
		locks = append(locks, l)
	}
	lessors := c.lessors
	sessions := make([]*Session, 0, len(c.sessions))
	for s := range c.sessions {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()

	var errs []error
	for _, s := range sessions {
		if err := s.Close(context.Background()); err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range locks {
		if err := l.Release(context.Background()); err != nil && !errors.Is(err, ErrNotHeld) {
			errs = append(errs, err)
		}
	}
	for _, l := range lessors {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}
