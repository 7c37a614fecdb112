package contenders

import (
	"context"
	"errors"
	"time"

	"github.com/go-redsync/redsync/v4"
	rsredis "github.com/go-redsync/redsync/v4/redis"
	"github.com/go-redsync/redsync/v4/redis/goredis/v9"
	"github.com/redis/go-redis/v9"
)

// Redsync is go-redsync/redsync v4 over go-redis v9 with its default settings (32 tries,
// 50-250 ms random retry delay, drift factor 0.01), which is how most users run it.
type Redsync struct {
	rs      *redsync.Redsync
	clients []*redis.Client
}

// NewRedsync connects redsync to addrs.
func NewRedsync(addrs []string) *Redsync {
	r := &Redsync{}
	var pools []rsredis.Pool
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		r.clients = append(r.clients, c)
		pools = append(pools, goredis.NewPool(c))
	}
	r.rs = redsync.New(pools...)
	return r
}

// Name implements [Locker].
func (r *Redsync) Name() string { return "redsync" }

// Nodes implements [Locker].
func (r *Redsync) Nodes() int { return len(r.clients) }

// Close implements [Locker].
func (r *Redsync) Close() error {
	var errs []error
	for _, c := range r.clients {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Acquire implements [Locker]. redsync bounds its own wait by its tries; deadline bounds
// it further through the context. Note that redsync cleans up a failed attempt on the
// caller's context, so a deadline that ends mid-attempt can leave keys behind until they
// expire: the benchmark's key census reports them.
func (r *Redsync) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error) {
	m := r.rs.NewMutex(key, redsync.WithExpiry(ttl))
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := m.LockContext(ctx); err != nil {
		return nil, errors.Join(ErrNotAcquired, err)
	}
	return func(ctx context.Context) error {
		_, err := m.UnlockContext(ctx)
		return err
	}, nil
}
