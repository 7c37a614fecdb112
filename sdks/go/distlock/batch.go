package distlock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// The client policy's bounds of one Batch request.
const (
	batchMaxCalls = policy.MaxBatchCalls
	batchMaxBytes = policy.MaxBatchBytes
)

// callBytes is the policy's estimate of a call's encoded size in a Batch.
func callBytes(c *distlockv1.BatchCall) int {
	switch {
	case c.GetAcquire() != nil:
		a := c.GetAcquire()
		return policy.BatchCallBytes(len(a.GetResource()), 0, len(a.GetOwner()), len(a.GetData()))
	case c.GetExtend() != nil:
		e := c.GetExtend()
		return policy.BatchCallBytes(len(e.GetResource()), len(e.GetLeaseToken()), 0, 0)
	default:
		r := c.GetRelease()
		return policy.BatchCallBytes(len(r.GetResource()), len(r.GetLeaseToken()), 0, 0)
	}
}

// sendBatch sends batch as one Batch request, which, if held, holds an in-flight slot
// until its first answer (see carry), and hands
// each call its result as it arrives. The request lives until the last caller's deadline
// or Close, even when every caller has left: it is read to its end and a grant for a
// caller who left is released (pending.deliver), since a cancelled stream would leave
// that to the service, which cannot release a grant it already sent. A call left
// without a result gets the request's error.
func (l *Lessor) sendBatch(batch []*pending, held bool) {
	c := l.co
	c.batches.Add(1)
	c.batched.Add(int64(len(batch)))
	s := carry(l, batch, held)
	defer s.free(l)

	var deadline time.Time
	req := &distlockv1.BatchRequest{Calls: make([]*distlockv1.BatchCall, len(batch))}
	for i, p := range batch {
		req.Calls[i] = p.call
		deadline = later(deadline, p.deadline)
	}
	ctx, cancel := context.WithDeadline(l.life, deadline)
	defer cancel()
	stream, err := l.rpc.Batch(ctx, connect.NewRequest(req))
	if err != nil {
		l.endBatch(batch, err, false)
		return
	}
	defer stream.Close()
	answered := false
	for stream.Receive() {
		answered = true
		s.free(l)
		for _, r := range stream.Msg().GetResults() {
			if i := int(r.GetIndex()); i < len(batch) {
				batch[i].deliver(l, outcome{res: r})
			}
		}
	}
	err = stream.Err()
	if err == nil {
		err = connect.NewError(connect.CodeInternal, errors.New("the Batch stream ended without this call's result"))
	}
	old := !answered && connect.CodeOf(err) == connect.CodeUnimplemented
	if old {
		c.unaryOnly.Store(true)
	}
	l.endBatch(batch, err, old)
}

// endBatch gives every call of batch still without a result the request's error, or
// sends it alone when the service does not serve Batch.
func (l *Lessor) endBatch(batch []*pending, err error, fallback bool) {
	for _, p := range batch {
		if fallback {
			p.deliver(l, outcome{fallback: true})
		} else {
			p.deliver(l, outcome{err: err})
		}
	}
}

// batchError is the error a call of a Batch failed with, as its unary RPC would have
// failed: a Connect error from the wire with the same code and message.
func batchError(e *distlockv1.BatchError) error {
	var code connect.Code
	if err := code.UnmarshalText([]byte(e.GetCode())); err != nil {
		code = connect.CodeUnknown
	}
	return connect.NewWireError(code, errors.New(e.GetMessage()))
}

// unary runs one call as its own RPC, within timeout of parent, and wraps the response
// in a BatchResult; its error is mapped to the contract.
func (l *Lessor) unary(parent context.Context, timeout time.Duration, bc *distlockv1.BatchCall) (*distlockv1.BatchResult, error) {
	return call(l, parent, timeout, func(ctx context.Context, _ *connect.Request[distlockv1.BatchCall]) (*connect.Response[distlockv1.BatchResult], error) {
		res, err := l.send(ctx, bc)
		if err != nil {
			return nil, err
		}
		return connect.NewResponse(res), nil
	}, bc)
}

// sendAlone sends the only call of a would-be Batch as its unary RPC, which costs less
// than a stream of one message (the Python and TypeScript clients do the same), and
// otherwise as sendBatch does: detached from its caller, so that a grant for a caller who
// left is released (pending.deliver), holding the in-flight slot if held until the answer
// or until the caller leaves.
func (l *Lessor) sendAlone(p *pending, held bool) {
	s := carry(l, []*pending{p}, held)
	defer s.free(l)
	ctx, cancel := context.WithDeadline(l.life, p.deadline)
	defer cancel()
	res, err := l.send(ctx, p.call)
	s.free(l) // before the caller hears: its next call finds the slot free
	p.deliver(l, outcome{res: res, err: err})
}

// send makes one call as its unary RPC and wraps the response in a BatchResult; its error
// is connect's, as a Batch's would be.
func (l *Lessor) send(ctx context.Context, bc *distlockv1.BatchCall) (*distlockv1.BatchResult, error) {
	switch {
	case bc.GetAcquire() != nil:
		res, err := l.rpc.Acquire(ctx, connect.NewRequest(bc.GetAcquire()))
		if err != nil {
			return nil, err
		}
		return &distlockv1.BatchResult{Result: &distlockv1.BatchResult_Acquire{Acquire: res.Msg}}, nil
	case bc.GetExtend() != nil:
		res, err := l.rpc.Extend(ctx, connect.NewRequest(bc.GetExtend()))
		if err != nil {
			return nil, err
		}
		return &distlockv1.BatchResult{Result: &distlockv1.BatchResult_Extend{Extend: res.Msg}}, nil
	case bc.GetRelease() != nil:
		res, err := l.rpc.Release(ctx, connect.NewRequest(bc.GetRelease()))
		if err != nil {
			return nil, err
		}
		return &distlockv1.BatchResult{Result: &distlockv1.BatchResult_Release{Release: res.Msg}}, nil
	}
	return nil, fmt.Errorf("distlock: empty batch call")
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
