package redlock

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// quiet drops go-redis's own log lines: the fault tests refuse connections on purpose.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// TestMain fails the package when a goroutine outlives its test: Close must stop the
// pub/sub readers and every request must finish.
func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	goleak.VerifyTestMain(m)
}
