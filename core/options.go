package core

import (
	"fmt"
	"time"
)

// LockOptions provides options to Locker implementations. It is not set directly but
// built from [LockOption] values.
type LockOptions struct {
	// TTL is how long the lock survives its holder's death: the lock is renewed in the
	// background while held, so TTL is not a limit on how long it is held. It can be no
	// less than [MinTTL] nor more than [MaxTTL]. Default [DefaultTTL].
	TTL time.Duration
	// Owner is a label reported by Info, for humans and logs: valid UTF-8 of at most
	// [MaxOwnerLen] bytes. Default empty.
	Owner string
	// Data is a payload stored with the lock and returned by Read: any bytes, at most
	// [MaxDataLen]. Default none.
	Data []byte
}

// LockOption provides an optional argument for locking a resource.
type LockOption func(o *LockOptions)

// TTL sets the minimum time the lock will be held if its holder dies. It panics below
// [MinTTL] (5 seconds), as the seed API says (docs/seed-api.md); a TTL above [MaxTTL] is
// rejected by TryLock with [ErrInvalidArgument].
func TTL(d time.Duration) LockOption {
	if d < MinTTL {
		panic(fmt.Sprintf("distlock: TTL %v is below the minimum of %v", d, MinTTL))
	}
	return func(o *LockOptions) { o.TTL = d }
}

// Owner sets the owner label that [Infoer.Info] reports. Default empty.
func Owner(label string) LockOption { return func(o *LockOptions) { o.Owner = label } }

// Data sets a payload that [Reader.Read] returns while the lock is held. Default none.
func Data(b []byte) LockOption { return func(o *LockOptions) { o.Data = b } }

// UnlockOptions provides options to Release. It is not set directly but built from
// [UnlockOption] values.
type UnlockOptions struct {
	// LeaseToken, when set, releases the lease with this token instead of the lock the
	// client itself holds; see [WithLeaseToken].
	LeaseToken string
}

// UnlockOption provides an optional argument for unlocking a resource.
type UnlockOption func(o *UnlockOptions)

// WithLeaseToken releases the lease with this token (a [Lock.LeaseToken], possibly from
// another process) rather than the lock the client holds on the resource.
func WithLeaseToken(token string) UnlockOption {
	return func(o *UnlockOptions) { o.LeaseToken = token }
}

func lockOptions(opts []LockOption) LockOptions {
	o := LockOptions{TTL: DefaultTTL}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func unlockOptions(opts []UnlockOption) UnlockOptions {
	var o UnlockOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
