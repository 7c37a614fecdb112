package memory

import (
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// named holds the stores opened by name through "memory://name". They are never dropped:
// a lease must outlive every handle on its store, as it outlives a Redis client.
var (
	namedMu sync.Mutex
	named   = map[string]*state{}
)

func init() {
	driver.Register("memory", open)
}

// open returns a new handle on the named store, creating it on first use.
func open(name string) (driver.Lessor, error) {
	if name == "" {
		return nil, driver.Invalid("memory service needs a store name, as in memory://name")
	}
	namedMu.Lock()
	defer namedMu.Unlock()
	s, ok := named[name]
	if !ok {
		s = newState(defaultOptions())
		named[name] = s
	}
	return newHandle(s), nil
}
