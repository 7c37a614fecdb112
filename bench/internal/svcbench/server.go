package svcbench

import (
	"context"
	"strings"

	"github.com/distlock/distlock/internal/testproc"
)

// The service is measured as users run it: the `distlock serve` binary, built from this
// checkout, in a process of its own, with the middleware, limits, logging and runtime
// settings of internal/server. A process rather than server.Run in this one, so that the
// server's heap, GC and runtime settings are its own and not the client's: in one
// process the client's garbage would drive the server's collections and the other way
// round, which no deployment sees.

// startServer builds `distlock serve` from this checkout and runs it over Redlock on
// addrs. The restart quarantine is off as it is for the core direct row (see
// contenders.NewDistlock): the nodes are new.
func startServer(ctx context.Context, addrs []string) (*testproc.Serve, error) {
	return testproc.StartServe(ctx, testproc.ServeConfig{
		Args: []string{"--redis", "redis://" + strings.Join(addrs, ",") + "?quarantine=0"}})
}
