package driver

import (
	"time"
	"unicode/utf8"

	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// Limits every implementation and the service enforce. A request outside them fails with
// [ErrInvalidArgument] before anything is sent to a lock service. The values are the
// client policy's (proto/distlock/v1/policy.proto, explained in sdks/POLICY.md), so Go,
// Python and TypeScript check the same numbers. Package core re-exports them for users.
const (
	// MinTTL is the shortest TTL; core's TTL option panics below it.
	MinTTL = distlockv1policy.MinTTL
	// MaxTTL is the longest TTL. A restarted Redis node is not trusted for this long.
	MaxTTL = distlockv1policy.MaxTTL
	// DefaultTTL is the TTL when none is given.
	DefaultTTL = distlockv1policy.DefaultTTL
	// MaxResourceLen is the longest resource name, in bytes. Names are any non-empty
	// valid UTF-8 string up to this length.
	MaxResourceLen = distlockv1policy.MaxResourceBytes
	// MaxOwnerLen is the longest owner label, in bytes.
	MaxOwnerLen = distlockv1policy.MaxOwnerBytes
	// MaxDataLen is the largest payload a lock may carry, in bytes.
	MaxDataLen = distlockv1policy.MaxDataBytes
)

// ValidateResource reports whether name is a valid resource name.
func ValidateResource(name string) error {
	switch {
	case name == "":
		return Invalid("resource name is empty")
	case len(name) > MaxResourceLen:
		return Invalid("resource name is %d bytes, the limit is %d", len(name), MaxResourceLen)
	case !utf8.ValidString(name):
		return Invalid("resource name is not valid UTF-8")
	}
	return nil
}

// ValidateTTL reports whether ttl is within [MinTTL, MaxTTL], as an acquire's and an
// extend's TTL must be.
func ValidateTTL(ttl time.Duration) error {
	if ttl < MinTTL || ttl > MaxTTL {
		return Invalid("ttl %v is outside [%v, %v]", ttl, MinTTL, MaxTTL)
	}
	return nil
}

// ValidateLease reports whether the options of an acquire are within the limits.
func ValidateLease(o LeaseOptions) error {
	if err := ValidateTTL(o.TTL); err != nil {
		return err
	}
	if len(o.Owner) > MaxOwnerLen {
		return Invalid("owner label is %d bytes, the limit is %d", len(o.Owner), MaxOwnerLen)
	}
	if !utf8.ValidString(o.Owner) {
		return Invalid("owner label is not valid UTF-8")
	}
	if len(o.Data) > MaxDataLen {
		return Invalid("payload is %d bytes, the limit is %d", len(o.Data), MaxDataLen)
	}
	return nil
}

// ValidateLeaseRef reports whether l names a lease that Extend and Release can act on:
// a valid resource name and a token. Whether the token is one the implementation could
// have issued is the implementation's to judge; such a lease is not held, which is not
// invalid input.
func ValidateLeaseRef(l Lease) error {
	if err := ValidateResource(l.Resource); err != nil {
		return err
	}
	if l.Token == "" {
		return Invalid("lease token is empty")
	}
	return nil
}
