package distlock

import "github.com/distlock/distlock/core/driver"

// init makes the service reachable through driver.Open and core.Client by its URL, so a
// program moves from Redis to the service by changing "redis://…" to "http://…".
func init() {
	for _, scheme := range []string{"http", "https"} {
		driver.Register(scheme, func(address string) (driver.Lessor, error) {
			return New(scheme + "://" + address)
		})
	}
}
