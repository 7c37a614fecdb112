// Command distlock is the distlock binary: `distlock serve` runs the lock service, and
// the client commands talk to it. See internal/cli for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/distlock/distlock/internal/cli"
)

func main() {
	// SIGINT and SIGTERM end the context: serve shuts down gracefully, clients give up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
