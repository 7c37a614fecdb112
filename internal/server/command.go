package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Command is `distlock serve` as a CLI command: it parses args (and DISTLOCK_*
// environment variables) and runs the server until ctx is done. Logs go to stderr as
// JSON lines, go-redis's and OpenTelemetry's own lines among them. It returns 0 after a clean shutdown, 2 for bad usage and 1 when the server
// could not start or failed. The process's GC runs at [DefaultGOGC] unless GOGC is set.
func Command(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	c, err := ParseConfig(args, os.LookupEnv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "distlock serve: %v\n", err)
		return 2
	}
	applyGOGCDefault(os.LookupEnv)
	routeLibraryLogs(newLogger(stderr, c.LogLevel))
	if err := Run(ctx, c, stderr); err != nil {
		fmt.Fprintf(stderr, "distlock serve: %v\n", err)
		return 1
	}
	return 0
}
