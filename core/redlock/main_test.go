package redlock

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its test: Close must stop the
// pub/sub readers and every request must finish.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
