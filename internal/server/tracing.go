package server

import (
	"context"
	"fmt"
	"time"

	"github.com/distlock/distlock/internal/tracing"
)

// shutdownTracing exports the spans still buffered, within the shutdown timeout: the
// last calls' spans are the ones an operator looks for after a restart.
func shutdownTracing(ctx context.Context, tr *tracing.Tracing, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flushing spans: %w", err)
	}
	return nil
}
