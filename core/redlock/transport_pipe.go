package redlock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxPipelines is how many pipelines may be in flight to one node at once. While one
// is, new calls queue and leave together in the next, so batches grow with load and a
// lone caller pays one round trip. One keeps a node's calls in order: the cleanup of a
// timed-out acquire leaves after it, not beside it on another connection where it could
// run first and orphan the key.
const maxPipelines = 1

// pipe batches the script calls that concurrent callers send to one node into
// pipelines: one write and one read for many calls, which on loopback is where the time
// goes. There is no timer: a call leaves at once when no pipeline is in flight, or with
// the next batch otherwise. (go-redis's experimental auto-pipeliner was
// measured first: its coalescing waits for the next calls of closed-loop callers, and a
// lock's fan-out is not one, so it added about a millisecond per handoff.)
type pipe struct {
	rdb *redis.Client

	mu      sync.Mutex
	queue   []*call
	running int
	closed  bool
	wg      sync.WaitGroup // the pipelines in flight (flushers and caller-sent calls)
}

// call is one script call to one node, part of a fan-out; cmd holds its reply once sent.
type call struct {
	fan *fan
	cmd *redis.Cmd
	// queued is set by start when another goroutine sends the call and completes it,
	// before the call is shared; done then tells that cmd is set.
	queued bool
	done   atomic.Bool
	// answered is when cmd was set, kept for a traced fan-out only (see answeredAt).
	answered time.Time
}

// fan is what the calls of one fan-out share. Its caller waits once for all of them
// (one channel and at most one wake-up per fan-out, not one per node).
type fan struct {
	ctx    context.Context // ends at the nodes' deadline
	script *redis.Script
	// evalsha is the whole EVALSHA command (evalShaArgs), built once for all the nodes:
	// the driver only reads it.
	evalsha []any
	// pending counts the queued calls not yet completed, plus one that the fan-out holds
	// until it has started every call, so that done is closed once, by the last.
	pending atomic.Int32
	done    chan struct{}
	traced  bool // its calls keep their answer times, for a NodeTracer
	// slot is the fan-out's admission (transport_admit.go), given back once a quorum of
	// its calls are done with their nodes.
	slot slot
}

func newFan(ctx context.Context, script *redis.Script, evalsha []any) *fan {
	f := &fan{ctx: ctx, script: script, evalsha: evalsha, done: make(chan struct{})}
	f.pending.Store(1)
	return f
}

func (f *fan) release() {
	if f.pending.Add(-1) == 0 {
		close(f.done)
	}
}

// wait releases the fan-out's own count and returns once every queued call is done or
// the context has ended.
func (f *fan) wait() {
	if f.pending.Add(-1) == 0 {
		return
	}
	select {
	case <-f.done:
	case <-f.ctx.Done():
	}
}

// reply returns the reply of a call whose fan-out has waited: the context's error for
// a queued call not completed by then (it may still run on the node, as with any
// timed-out request).
func (c *call) reply() *redis.Cmd {
	if c.queued && !c.done.Load() {
		return errCmd(c.fan.ctx, c.fan.ctx.Err())
	}
	return c.cmd
}

// complete marks a queued call done; its cmd is set.
func (c *call) complete() {
	if c.queued {
		c.done.Store(true)
		c.fan.release()
	}
}

// evalShaArgs is the EVALSHA command that runs script with keys and args.
func evalShaArgs(script *redis.Script, keys []string, args []any) []any {
	cmd := make([]any, 0, 3+len(keys)+len(args))
	cmd = append(cmd, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		cmd = append(cmd, k)
	}
	return append(cmd, args...)
}

// splitEvalSha returns the keys and arguments of an EVALSHA command built by
// evalShaArgs.
func splitEvalSha(cmd []any) ([]string, []any) {
	n := cmd[2].(int)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = cmd[3+i].(string)
	}
	return keys, cmd[3+n:]
}

var errPipeClosed = errors.New("redlock: client closed")

// start queues c for the next pipeline (its reply then comes through the fan-out's
// wait), or, when none is in flight, reports true: the caller then sends c itself with
// send (saving a goroutine and a wake-up per call when the node is not busy), and must
// do so before anything else it sends to this node. Calls that queue meanwhile go on
// in a flusher, after it, so the node's calls stay in order.
func (p *pipe) start(c *call) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.cmd = errCmd(c.fan.ctx, errPipeClosed)
		return false
	}
	if p.running < maxPipelines {
		p.running++
		p.wg.Add(1)
		return true
	}
	c.queued = true // only a queued call is completed by another goroutine
	c.fan.pending.Add(1)
	p.queue = append(p.queue, c)
	return false
}

// send sends a call that start let its caller send.
func (p *pipe) send(c *call) {
	p.exec([]*call{c})
	p.handOff()
}

// handOff ends a caller's own pipeline: a flusher takes over the calls queued
// meanwhile, if any.
func (p *pipe) handOff() {
	p.mu.Lock()
	if len(p.queue) == 0 {
		p.running--
		p.mu.Unlock()
		p.wg.Done()
		return
	}
	p.mu.Unlock()
	go p.flush()
}

func errCmd(ctx context.Context, err error) *redis.Cmd {
	cmd := redis.NewCmd(ctx)
	cmd.SetErr(err)
	return cmd
}

// flush sends queued calls until the queue is empty.
func (p *pipe) flush() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		batch := p.queue
		p.queue = nil
		if len(batch) == 0 {
			p.running--
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.exec(batch)
	}
}

// exec sends one batch as a pipeline of EVALSHA, then resends the scripts the node did
// not know (after a restart or SCRIPT FLUSH) with EVAL, and completes every call.
func (p *pipe) exec(batch []*call) {
	defer func() {
		for _, c := range batch {
			if c.fan.traced {
				c.answered = time.Now()
			}
			c.fan.slot.finish()
			c.complete()
		}
	}()
	live := batch[:0:0]
	var deadline time.Time
	// The batch runs under the context of its call with the latest deadline: that call
	// waits for the batch until the deadline, so its context is not cancelled before
	// (and borrowing it costs no timer of its own).
	ctx := context.Background()
	for _, c := range batch {
		cctx := c.fan.ctx
		if err := cctx.Err(); err != nil {
			c.cmd = errCmd(cctx, err) // its caller has gone; do not send it late
			continue
		}
		if d, ok := cctx.Deadline(); ok && d.After(deadline) {
			deadline, ctx = d, cctx
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	pl := p.rdb.Pipeline()
	for _, c := range live {
		c.cmd = redis.NewCmd(ctx, c.fan.evalsha...)
		_ = pl.Process(ctx, c.cmd)
	}
	if _, err := pl.Exec(ctx); err != nil {
		unsent(live, err)
	}
	var unknown []*call
	for _, c := range live {
		// HasErrorPrefix allocates: ask only about errors.
		if err := c.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) == 0 {
		return
	}
	pl = p.rdb.Pipeline()
	for _, c := range unknown {
		keys, args := splitEvalSha(c.fan.evalsha)
		c.cmd = c.fan.script.Eval(ctx, pl, keys, args...)
	}
	_, _ = pl.Exec(ctx)
}

// close makes later calls fail, closes the connections (ending any pipeline in flight)
// and waits for the flushers.
func (p *pipe) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.rdb.Close()
	p.wg.Wait()
	return err
}
