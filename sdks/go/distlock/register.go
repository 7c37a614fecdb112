package distlock

import "github.com/distlock/distlock/core"

// init makes the service reachable through core.Open and core.Client by its URL, so a
// program moves from Redis to the service by changing "redis://…" to "http://…".
func init() {
	for _, scheme := range []string{"http", "https"} {
		core.Register(scheme, func(address string) (core.Lessor, error) {
			return New(scheme + "://" + address)
		})
	}
}
