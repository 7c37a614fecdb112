package distlock

import (
	"context"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"google.golang.org/protobuf/types/known/durationpb"
)

// A Lessor is a [driver.Lessor] that reaches a distlock service over Connect. Most programs
// do not use it directly but through core.Client, which renews the leases it grants;
// importing this package is enough for that. A Lessor is safe for concurrent use.
type Lessor struct {
	rpc     distlockv1connect.LockServiceClient
	opts    options
	baseURL string // for errors: a wrong URL is the usual reason for no answer
	// transport is the Lessor's own, closed by Close; nil with WithHTTPClient.
	transport *http.Transport
	// life is cancelled by Close, which ends the calls in flight.
	life context.Context
	kill context.CancelFunc
	// co shares requests among concurrent calls; nil with WithoutCoalescing.
	co *coalescer
}

var _ driver.Lessor = (*Lessor)(nil)

// New returns a Lessor for the service at baseURL, such as "http://127.0.0.1:8080" or
// "https://locks.example.com/prefix". It makes no call: a service that is down shows up
// as [driver.ErrUnavailable] on first use, with an error that names baseURL when nothing
// answered there. A baseURL without an http or https scheme, or without a host, is
// [driver.ErrInvalidArgument], and so is an invalid [WithToken].
func New(baseURL string, opts ...Option) (*Lessor, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkBaseURL(baseURL); err != nil {
		return nil, err
	}
	if err := checkToken(&o); err != nil {
		return nil, err
	}
	l := &Lessor{opts: o, baseURL: baseURL}
	httpClient := o.httpClient
	if httpClient == nil {
		l.transport = newTransport()
		httpClient = &http.Client{Transport: oneWrite{l.transport}}
	}
	copts := o.connectOpts
	if len(o.header) > 0 {
		copts = append([]connect.ClientOption{connect.WithInterceptors(headerInterceptor(o.header))}, copts...)
	}
	if o.token != nil {
		// Last, so that the header it sets is the one sent, whatever other interceptors do.
		copts = append(copts, connect.WithInterceptors(bearerInterceptor{src: o.token}))
	}
	l.rpc = distlockv1connect.NewLockServiceClient(httpClient, baseURL, copts...)
	l.life, l.kill = context.WithCancel(context.Background())
	if !o.noCoalescing {
		l.co = &coalescer{maxInFlight: o.maxInFlight}
	}
	return l, nil
}

// Close ends the calls in flight, which return [driver.ErrClosed], and closes the idle
// connections of the Lessor's own HTTP client. It releases no lease.
func (l *Lessor) Close() error {
	l.kill()
	if l.transport != nil {
		l.transport.CloseIdleConnections()
	}
	return nil
}

// call runs one request with ctx bounded by timeout and ended by Close, and maps its
// error to the contract.
func call[Req, Res any](l *Lessor, parent context.Context, timeout time.Duration,
	f func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), msg *Req,
) (*Res, error) {
	if l.life.Err() != nil {
		return nil, driver.ErrClosed
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	stop := context.AfterFunc(l.life, cancel)
	defer stop()
	res, err := f(ctx, connect.NewRequest(msg))
	if err != nil {
		return nil, l.callError(parent, ctx, err)
	}
	return res.Msg, nil
}

// callError maps the error of a call made with ctx (parent bounded by the call's
// timeout) to the contract, whether the call went alone or in a Batch.
func (l *Lessor) callError(parent, ctx context.Context, err error) error {
	if l.life.Err() != nil {
		return driver.ErrClosed
	}
	if connect.CodeOf(err) == connect.CodeCanceled && ctx.Err() == nil {
		// Nobody cancelled: connect reports a write to a connection the server had
		// already closed (a stale keep-alive, a restart) as "canceled". It is the
		// service being unreachable, which is worth retrying.
		err = connect.NewError(connect.CodeUnavailable, err)
	}
	if u := unanswered(parent, l.baseURL, err); u != nil {
		return u
	}
	return fromService(err)
}

// Extend resets the lease's TTL to ttl from now; see [driver.Lessor.Extend]. It makes one
// call: renewal (core.Hold, which core.Client uses) retries a failed Extend with the
// client policy's renewal back-off, so retrying here too would stack two back-offs.
func (l *Lessor) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if err := driver.ValidateLeaseRef(lease); err != nil {
		return driver.Lease{}, err
	}
	if err := driver.ValidateTTL(ttl); err != nil {
		return driver.Lease{}, err
	}
	return l.extend(ctx, lease, ttl)
}

// extend makes one Extend call.
func (l *Lessor) extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	sent := time.Now()
	r, err := l.submit(ctx, l.opts.callTimeout, extendCall(lease, ttl))
	if err != nil {
		return driver.Lease{}, err
	}
	return extended(lease, ttl, sent, r.GetExtend()), nil
}

// extendCall is the call that extends lease to ttl.
func extendCall(lease driver.Lease, ttl time.Duration) *distlockv1.BatchCall {
	return &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Extend{Extend: &distlockv1.ExtendRequest{
		Resource:   lease.Resource,
		LeaseToken: lease.Token,
		Ttl:        durationpb.New(ttl),
	}}}
}

// extended is lease renewed by res, an answer to a request sent at sent for ttl.
func extended(lease driver.Lease, ttl time.Duration, sent time.Time, res *distlockv1.ExtendResponse) driver.Lease {
	granted := grantedTTL(res.GetTtl(), ttl)
	lease.TTL = granted
	lease.Validity = validUntil(sent, granted)
	if f := res.GetFencingToken(); f != 0 {
		lease.Fence = f
	}
	return lease
}

// Release deletes the lease; see [driver.Lessor.Release]. While the service is unavailable
// it retries, until the lease's validity or ctx ends: after that the lease has expired.
func (l *Lessor) Release(ctx context.Context, lease driver.Lease) error {
	if err := driver.ValidateLeaseRef(lease); err != nil {
		return err
	}
	return retry(ctx, lease.Validity, func(ctx context.Context) error {
		_, err := l.submit(ctx, l.opts.callTimeout, &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Release{
			Release: &distlockv1.ReleaseRequest{Resource: lease.Resource, LeaseToken: lease.Token},
		}})
		return err
	})
}

// Info describes the current holder of resource, or returns [driver.ErrNotHeld].
func (l *Lessor) Info(ctx context.Context, resource string) (driver.Info, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Info{}, err
	}
	res, err := call(l, ctx, l.opts.callTimeout, l.rpc.Info, &distlockv1.InfoRequest{Resource: resource})
	if err != nil {
		return driver.Info{}, err
	}
	info := driver.Info{Owner: res.GetOwner(), FencingToken: res.GetFencingToken()}
	if t := res.GetLockTime(); t != nil {
		info.LockTime = t.AsTime()
	}
	if t := res.GetExpireTime(); t != nil {
		info.ExpireTime = t.AsTime()
	}
	return info, nil
}

// Read returns the current holder's payload, or [driver.ErrNotHeld].
func (l *Lessor) Read(ctx context.Context, resource string) ([]byte, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return nil, err
	}
	res, err := call(l, ctx, l.opts.callTimeout, l.rpc.Read, &distlockv1.ReadRequest{Resource: resource})
	if err != nil {
		return nil, err
	}
	return res.GetData(), nil
}
