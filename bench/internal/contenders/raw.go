package contenders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// compareAndDelete deletes KEYS[1] only while it still holds the caller's token ARGV[1],
// so a late release can never delete another holder's lock. Returns 1 if deleted, else 0.
var compareAndDelete = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// rawCmdable is what the raw baseline needs from a node connection: a plain client and
// an auto-pipeliner both qualify.
type rawCmdable interface {
	redis.Scripter
	SetNX(ctx context.Context, key string, value any, expiration time.Duration) *redis.BoolCmd
}

// Raw is the baseline without any of distlock's features: SET NX PX on every node in
// parallel, granted on a majority, released by a Lua compare-and-delete on every node.
// On one node it is the classic single-instance Redis lock. It has no fencing, no
// waiting by notification (a held key is retried after a short random sleep) and no
// restart detection, so it bounds from above what a Redis lock can cost.
type Raw struct {
	name    string
	nodes   []rawCmdable
	closers []func() error
}

// RawOption configures [NewRaw].
type RawOption func(*rawConfig)

type rawConfig struct{ pipelined bool }

// Pipelined makes each node connection an auto-pipeliner (go-redis AutoPipeline), which
// batches the commands of concurrent callers into pipelines. Default: off (one command
// per pooled connection round trip).
func Pipelined() RawOption { return func(c *rawConfig) { c.pipelined = true } }

// NewRaw connects the raw baseline to addrs.
func NewRaw(name string, addrs []string, opts ...RawOption) (*Raw, error) {
	var cfg rawConfig
	for _, o := range opts {
		o(&cfg)
	}
	r := &Raw{name: name}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		r.closers = append(r.closers, c.Close)
		if !cfg.pipelined {
			r.nodes = append(r.nodes, c)
			continue
		}
		ap, err := c.AutoPipeline()
		if err != nil {
			return nil, errors.Join(err, r.Close())
		}
		r.closers = append(r.closers, ap.Close)
		r.nodes = append(r.nodes, ap)
	}
	return r, nil
}

// Name implements [Locker].
func (r *Raw) Name() string { return r.name }

// Nodes implements [Locker].
func (r *Raw) Nodes() int { return len(r.nodes) }

// Close implements [Locker].
func (r *Raw) Close() error {
	var errs []error
	// Auto-pipeliners were appended after their clients; close them first.
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	return errors.Join(errs...)
}

// Acquire implements [Locker].
func (r *Raw) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	token := hex.EncodeToString(b[:])
	quorum := len(r.nodes)/2 + 1
	validity := distlockv1policy.Validity(ttl) // the same rule as distlock's
	release := func(ctx context.Context) error {
		_, err := r.fanOut(ctx, func(ctx context.Context, n rawCmdable) (bool, error) {
			return compareAndDelete.Run(ctx, n, []string{key}, token).Bool()
		})
		return err
	}
	for {
		start := time.Now()
		granted, err := r.fanOut(ctx, func(ctx context.Context, n rawCmdable) (bool, error) {
			return n.SetNX(ctx, key, token, ttl).Result()
		})
		if granted >= quorum && time.Since(start) < validity {
			return release, nil
		}
		if granted > 0 {
			// Give back the minority we took; on a context the caller cannot cancel, or a
			// cancelled caller would leave orphaned keys.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = release(cctx)
			cancel()
		}
		if err != nil && granted == 0 && len(r.nodes) == 1 {
			return nil, err
		}
		// A short random sleep: the baseline has no notification to wait for.
		sleep := time.Millisecond + mrand.N(4*time.Millisecond)
		if time.Now().Add(sleep).After(deadline) {
			return nil, fmt.Errorf("%w: %s", ErrNotAcquired, key)
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(ErrNotAcquired, ctx.Err())
		case <-t.C:
		}
	}
}

// fanOut runs op on every node in parallel and waits for all of them: answering at the
// quorum would let a release overtake a late SET and orphan a key.
func (r *Raw) fanOut(ctx context.Context, op func(context.Context, rawCmdable) (bool, error)) (int, error) {
	if len(r.nodes) == 1 {
		ok, err := op(ctx, r.nodes[0])
		if ok {
			return 1, err
		}
		return 0, err
	}
	var (
		mu   sync.Mutex
		n    int
		errs []error
		wg   sync.WaitGroup
	)
	for _, node := range r.nodes {
		wg.Go(func() {
			ok, err := op(ctx, node)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				n++
			}
			if err != nil && !errors.Is(err, redis.Nil) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return n, errors.Join(errs...)
}
