package core

import "github.com/distlock/distlock/core/driver"

// Limits every implementation and the service enforce. A request outside them fails with
// [ErrInvalidArgument] before anything is sent to a lock service.
const (
	// MinTTL is the shortest TTL; the [TTL] option panics below it, as the seed API says.
	MinTTL = driver.MinTTL
	// MaxTTL is the longest TTL. A restarted Redis node is not trusted for this long.
	MaxTTL = driver.MaxTTL
	// DefaultTTL is the TTL when none is given.
	DefaultTTL = driver.DefaultTTL
	// MaxResourceLen is the longest resource name, in bytes. Names are any non-empty
	// valid UTF-8 string up to this length.
	MaxResourceLen = driver.MaxResourceLen
	// MaxOwnerLen is the longest owner label, in bytes.
	MaxOwnerLen = driver.MaxOwnerLen
	// MaxDataLen is the largest payload a lock may carry, in bytes.
	MaxDataLen = driver.MaxDataLen
)
