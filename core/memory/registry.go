package memory

import (
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// named holds the stores opened by name through Open and "memory://name". They are never
// dropped: a lease must outlive every handle on its store, as it outlives a Redis client.
var (
	namedMu sync.Mutex
	named   = map[string]*state{}
)

func init() {
	driver.Register("memory", func(name string) (driver.Lessor, error) {
		st, err := Open(name)
		if err != nil {
			return nil, err // not a nil *Store inside a non-nil Lessor
		}
		return st, nil
	})
}

// Open returns a new handle on the store called name, creating it on first use; every
// handle on a name, including those of "memory://name" URLs, shares its locks.
func Open(name string) (*Store, error) {
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
