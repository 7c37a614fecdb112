package svcbench

import (
	"context"
	"fmt"
	"strconv"
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
// addrs, with GOMAXPROCS=procs unless procs is 0 (see [Config.ServeProcs]). The restart
// quarantine is off as it is for the core direct row (see contenders.NewDistlock): the
// nodes are new.
func startServer(ctx context.Context, addrs []string, procs int) (*testproc.Serve, error) {
	cfg := testproc.ServeConfig{Args: []string{"--redis", "redis://" + strings.Join(addrs, ",") + "?quarantine=0"}}
	if procs > 0 {
		cfg.Env = []string{"GOMAXPROCS=" + strconv.Itoa(procs)}
	}
	return testproc.StartServe(ctx, cfg)
}

// serveSetting says in the report how the service ran: asked for procs (0: the
// runtime's default), it reported running with reported.
func serveSetting(procs, reported int) string {
	if procs == 0 {
		return fmt.Sprintf("`distlock serve` ran with the Go runtime's default GOMAXPROCS, %d (one per CPU; `-serve-procs 0`).", reported)
	}
	return fmt.Sprintf("`distlock serve` ran with GOMAXPROCS=%d (`-serve-procs`), as a replica given %d of the machine's CPUs "+
		"would, leaving the rest to the nodes and the callers (see deploy/README.md, \"CPU\").", reported, procs)
}
