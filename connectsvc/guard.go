package connectsvc

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
)

// A Guard authorizes calls: the service asks it about every call, after validating the
// request and before calling the lessor, so that a denied call touches no lock. The
// caller's identity travels in the context, put there by an authenticating middleware
// in front of [Service.Handler] (internal/auth's, in `distlock serve --auth`).
type Guard interface {
	// Authorize returns nil if the caller may use verb ("acquire" for Acquire, Extend
	// and Release; "read" for Info and Read) on resource, else the error to return,
	// typically permission_denied or unauthenticated.
	Authorize(ctx context.Context, verb, resource string) error
	// Owner returns the owner label to store for a lock the caller takes with label.
	Owner(ctx context.Context, label string) string
}

// Verbs the service asks a [Guard] about.
const (
	VerbAcquire = "acquire"
	VerbRead    = "read"
)

// openGuard is the Guard of a service without authentication: everything is allowed and
// owner labels are the callers' own.
type openGuard struct{}

func (openGuard) Authorize(context.Context, string, string) error { return nil }
func (openGuard) Owner(_ context.Context, label string) string    { return label }

// WithGuard makes the service ask g about every call. Default: every call is allowed.
func WithGuard(g Guard) Option {
	return optionFunc(func(c *config) { c.guard = g })
}

// ownerFor returns the owner label the guard gives a lock taken with label, checked
// against the core's limit now that it may carry a principal.
func (s *Service) ownerFor(ctx context.Context, label string) (string, error) {
	owner := s.cfg.guard.Owner(ctx, label)
	if len(owner) > driver.MaxOwnerLen {
		return "", invalidArgument("owner label with the caller's principal is %d bytes, the limit is %d", len(owner), driver.MaxOwnerLen)
	}
	return owner, nil
}

// authorize asks the guard, mapping a non-connect error to permission_denied.
func (s *Service) authorize(ctx context.Context, verb, resource string) error {
	err := s.cfg.guard.Authorize(ctx, verb, resource)
	if err == nil {
		return nil
	}
	if ce := new(connect.Error); errors.As(err, &ce) {
		return ce
	}
	return connect.NewError(connect.CodePermissionDenied, err)
}

// A Quota limits what each caller uses. A [Guard] that also implements Quota is asked
// around every Acquire, Extend and Release; its errors (typically resource_exhausted
// naming the quota) are returned as they are.
type Quota interface {
	// BeginAcquire is asked before an Acquire reaches the lessor, with the TTL, the
	// payload size and whether the call may wait; end is then called exactly once with
	// the lease granted, or nil.
	BeginAcquire(ctx context.Context, ttl time.Duration, payload int, waits bool) (end func(granted *driver.Lease), err error)
	// CheckExtend is asked before an Extend to ttl.
	CheckExtend(ctx context.Context, ttl time.Duration) error
	// Extended tells of a lease's new validity.
	Extended(lease driver.Lease)
	// Released tells that a lease ended: released, found gone, or abandoned.
	Released(resource, token string)
}

// noQuota is the Quota of a Guard that has none.
type noQuota struct{}

func (noQuota) BeginAcquire(context.Context, time.Duration, int, bool) (func(*driver.Lease), error) {
	return func(*driver.Lease) {}, nil
}
func (noQuota) CheckExtend(context.Context, time.Duration) error { return nil }
func (noQuota) Extended(driver.Lease)                            {}
func (noQuota) Released(string, string)                          {}

// quotaOf returns g's Quota, or one that limits nothing.
func quotaOf(g Guard) Quota {
	if q, ok := g.(Quota); ok {
		return q
	}
	return noQuota{}
}
