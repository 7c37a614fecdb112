package connectsvc

import (
	"fmt"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// MaxLeaseTokenLen bounds the lease token a request may carry. Tokens the lessors issue
// are far shorter; the bound only keeps garbage away from Redis.
const MaxLeaseTokenLen = 256

// invalidArgument is the error of every validation failure: the message is safe to send
// and says which field is wrong.
func invalidArgument(format string, args ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(format, args...))
}

// checkResource validates a resource name with the core's rules.
func checkResource(name string) error {
	if err := driver.ValidateResource(name); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	return nil
}

// checkLeaseToken validates the token of Extend and Release: present, bounded, UTF-8.
func checkLeaseToken(token string) error {
	switch {
	case token == "":
		return invalidArgument("lease_token is missing: pass the one AcquireResponse returned")
	case len(token) > MaxLeaseTokenLen:
		return invalidArgument("lease_token is %d bytes, the limit is %d", len(token), MaxLeaseTokenLen)
	case !utf8.ValidString(token):
		return invalidArgument("lease_token is not valid UTF-8")
	}
	return nil
}

// ttl returns the TTL a request asks for: the default when unset, else a valid duration
// within the server's bounds.
func (c *config) ttl(d *durationpb.Duration) (time.Duration, error) {
	if d == nil {
		return min(max(driver.DefaultTTL, c.minTTL), c.maxTTL), nil
	}
	if err := d.CheckValid(); err != nil {
		return 0, invalidArgument("ttl is not a valid duration")
	}
	ttl := d.AsDuration()
	if ttl < c.minTTL || ttl > c.maxTTL {
		return 0, invalidArgument("ttl %v is outside [%v, %v]", ttl, c.minTTL, c.maxTTL)
	}
	return ttl, nil
}

// wait returns the wait a request asks for, capped at the server's maximum. Unset is zero:
// one attempt.
func (c *config) wait(d *durationpb.Duration) (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	if err := d.CheckValid(); err != nil {
		return 0, invalidArgument("wait is not a valid duration")
	}
	w := d.AsDuration()
	if w < 0 {
		return 0, invalidArgument("wait %v is negative", w)
	}
	return min(w, c.maxWait), nil
}

// acquireArgs validates an AcquireRequest and returns what to pass to the lessor. The
// wait is not yet bounded by the caller's deadline; see [boundWait].
func (c *config) acquireArgs(m *distlockv1.AcquireRequest) (driver.LeaseOptions, error) {
	if err := checkResource(m.GetResource()); err != nil {
		return driver.LeaseOptions{}, err
	}
	ttl, err := c.ttl(m.GetTtl())
	if err != nil {
		return driver.LeaseOptions{}, err
	}
	wait, err := c.wait(m.GetWait())
	if err != nil {
		return driver.LeaseOptions{}, err
	}
	lo := driver.LeaseOptions{TTL: ttl, Owner: m.GetOwner(), Data: m.GetData(), Wait: wait}
	if err := driver.ValidateLease(lo); err != nil {
		return driver.LeaseOptions{}, connect.NewError(connect.CodeInvalidArgument, err)
	}
	return lo, nil
}

// maxDeadlineMargin bounds the margin by which an Acquire stops waiting before the
// caller's deadline, so that its "aborted" reaches the caller before the caller gives up.
const maxDeadlineMargin = time.Second

// boundWait caps a wait so that it ends before the caller's deadline, if there is one, by
// a margin of a tenth of the time left, at most maxDeadlineMargin.
func boundWait(deadline time.Time, hasDeadline bool, wait time.Duration, now time.Time) time.Duration {
	if !hasDeadline {
		return wait
	}
	left := deadline.Sub(now)
	left -= min(left/10, maxDeadlineMargin)
	return max(min(wait, left), 0)
}
