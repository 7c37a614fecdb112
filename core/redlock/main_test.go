package redlock

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its test: Close must stop the
// pub/sub readers and every request must finish. go-redis's own lines about the
// connections the fault tests refuse on purpose go to slog at Debug (driverlog.go),
// which the default logger drops.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
