package core_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them, such as a lock's
// renewal after Release or Lost.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
