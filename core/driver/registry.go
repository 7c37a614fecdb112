package driver

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// OpenFunc opens a [Lessor] for a service address given without its scheme: for
// "redis://h1:6379,h2:6379" it receives "h1:6379,h2:6379".
type OpenFunc func(address string) (Lessor, error)

var (
	driversMu sync.RWMutex
	drivers   = map[string]OpenFunc{}
)

// Register makes an implementation available under a URL scheme, matched in any case.
// Implementations call it from init; it panics when the scheme is registered twice, is
// empty or contains a colon, or when open is nil, as database/sql.Register does.
func Register(scheme string, open OpenFunc) {
	driversMu.Lock()
	defer driversMu.Unlock()
	if open == nil {
		panic("distlock: Register open func is nil")
	}
	if scheme == "" || strings.Contains(scheme, ":") {
		panic("distlock: Register scheme " + strconv.Quote(scheme) + " is not a URL scheme")
	}
	scheme = strings.ToLower(scheme)
	if _, dup := drivers[scheme]; dup {
		panic("distlock: Register called twice for scheme " + scheme)
	}
	drivers[scheme] = open
}

// Open returns a [Lessor] for a service URL such as "redis://h1:6379,h2:6379,h3:6379" or
// "memory://test", through the implementation registered for its scheme (in any case),
// which must have been imported. core.NewClient opens services with it.
// A malformed URL or an unknown scheme is an [ErrInvalidArgument].
func Open(serviceURL string) (Lessor, error) {
	scheme, rest, ok := strings.Cut(serviceURL, "://")
	if !ok || scheme == "" {
		// The URL is not repeated: it may carry a password.
		return nil, Invalid("service is not a URL of the form scheme://address")
	}
	scheme = strings.ToLower(scheme) // URL schemes are case-insensitive (RFC 3986)
	driversMu.RLock()
	open, found := drivers[scheme]
	known := slices.Sorted(maps.Keys(drivers))
	driversMu.RUnlock()
	if !found {
		return nil, Invalid("unknown service scheme %q (registered: %s); import the implementation that provides it",
			scheme, strings.Join(known, ", "))
	}
	return open(rest)
}
