package driver

import (
	"context"
	"strings"
)

// A Watcher is a [Lessor] that can push the changes of its locks. It is optional: the
// service answers Watch with "unimplemented" for a Lessor that is not one.
type Watcher interface {
	// Watch starts following the resources sel matches and returns their feed. The
	// feed's first events are the current state (WatchCurrent per held resource, then
	// WatchSynced); then come the changes, in order per resource. The feed holds at most
	// buffer unread observations: beyond that it drops them and its reader gets
	// WatchResync and a fresh state. Watch fails with [ErrClosed] after Close and with
	// [ErrInvalidArgument] for a bad selector. Close the feed when done.
	Watch(ctx context.Context, sel Selector, buffer int) (*Feed, error)
}

// Selector names what a watch follows: one resource, or every resource whose name
// starts with Name when Prefix is set (an empty Name then matches all).
type Selector struct {
	Name   string
	Prefix bool
}

// Matches reports whether sel follows resource.
func (sel Selector) Matches(resource string) bool {
	if sel.Prefix {
		return strings.HasPrefix(resource, sel.Name)
	}
	return resource == sel.Name
}

// Validate checks sel with the resource rules; an empty prefix is allowed.
func (sel Selector) Validate() error {
	if sel.Prefix && sel.Name == "" {
		return nil
	}
	return ValidateResource(sel.Name)
}

// WatchKind is the type of a [WatchEvent].
type WatchKind uint8

// The kinds of watch events; see distlock.v1.WatchResponse.Kind for their meaning.
// WatchExtended also reports a holder whose fencing token was corrected upwards
// (Redlock's confirmation round), so a watcher always has the holder's final token.
const (
	WatchCurrent WatchKind = iota + 1
	WatchSynced
	WatchGranted
	WatchExtended
	WatchReleased
	WatchExpired
	WatchHandedOver
	WatchResync
)

var watchKindNames = [...]string{"", "current", "synced", "granted", "extended", "released",
	"expired", "handed_over", "resync"}

func (k WatchKind) String() string {
	if int(k) < len(watchKindNames) {
		return watchKindNames[k]
	}
	return "unknown"
}

// WatchEvent is one event of a [Feed].
type WatchEvent struct {
	Kind     WatchKind
	Resource string
	// Holder is the holder after the event; zero (FencingToken 0) when free.
	Holder Info
	// Previous is the holder that left (released, expired, handed over), when known.
	Previous Info
}
