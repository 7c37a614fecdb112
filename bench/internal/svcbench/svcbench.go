// Package svcbench measures Acquire+Release pairs through distlock's service (the Go
// Connect client, binary and JSON) against the same core called directly, in one run on
// the same Redis nodes.
package svcbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/floor"
	"github.com/distlock/distlock/bench/internal/harness"
	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// Names of the rows; the first three are the ones the targets compare.
const (
	NameCore     = "core direct"
	NameBinary   = "connect binary (h2c)"
	NameJSON     = "connect JSON (h2c)"
	NameBinaryH1 = "connect binary (HTTP/1.1)"
	NameJSONH1   = "connect JSON (HTTP/1.1)"
)

// Config is one service benchmark.
type Config struct {
	// Concurrency is how many callers run at once. Default 64.
	Concurrency int
	// Reps, Duration, MaxPairs, Grace and TTL mean what they mean in [harness.Config].
	Reps     int
	Duration time.Duration
	MaxPairs int
	Grace    time.Duration
	TTL      time.Duration
	// SDK selects the Go SDK cells of issue 14 (sdkcells.go): "on" runs them after the
	// service rows, "only" runs them alone, "off" skips them. Default "on".
	SDK string
	// SessionLocks is how many locks the session cell holds. Default SessionLocks.
	SessionLocks int
	// ServeProcs is the GOMAXPROCS of the `distlock serve` process; 0 leaves the Go
	// runtime's default (one per CPU).
	ServeProcs int

	serveNote string // how the service ran, for the report (serveSetting)
}

// Run builds and starts `distlock serve` over Redlock on the nodes (see server.go), opens
// a core client on the same nodes for the core direct row, runs the cells in rotated
// order, and returns the markdown section of the report.
func Run(ctx context.Context, nodes *redisnodes.Nodes, cfg Config, progress io.Writer) (out string, err error) {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.SessionLocks == 0 {
		cfg.SessionLocks = SessionLocks
	}
	addrs := nodes.Addrs()
	core, err := contenders.NewDistlock(addrs)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, core.Close()) }()

	fmt.Fprintln(progress, "service: building and starting cmd/distlock")
	srv, err := startServer(ctx, addrs, cfg.ServeProcs)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, srv.Close()) }()
	if cfg.ServeProcs > 0 && srv.Procs() != cfg.ServeProcs {
		return "", fmt.Errorf("distlock serve runs with GOMAXPROCS=%d, not the %d asked for", srv.Procs(), cfg.ServeProcs)
	}
	cfg.serveNote = serveSetting(cfg.ServeProcs, srv.Procs())
	base := srv.URL()

	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	// One idle connection per caller, or HTTP/1.1 would redial for most requests.
	h1 := &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency}
	defer h2c.CloseIdleConnections()
	defer h1.CloseIdleConnections()
	n := len(addrs)
	lockers := []contenders.Locker{
		renamed{core, NameCore},
		contenders.NewService(NameBinary, &http.Client{Transport: h2c}, base, n),
		contenders.NewService(NameJSON, &http.Client{Transport: h2c}, base, n, connect.WithProtoJSON()),
		contenders.NewService(NameBinaryH1, &http.Client{Transport: h1}, base, n),
		contenders.NewService(NameJSONH1, &http.Client{Transport: h1}, base, n, connect.WithProtoJSON()),
	}

	meter := cpuMeter{serverPIDs: []int{srv.Pid()}, nodes: nodes}
	var sdkOut string
	if cfg.SDK != "off" {
		// The SDK cells' floor (package floor): a server process of its own, with the
		// service's GOMAXPROCS; idle in the other cells.
		fl, err := floor.Start(ctx, addrs, cfg.ServeProcs)
		if err != nil {
			return "", err
		}
		defer func() { err = errors.Join(err, fl.Close()) }()
		meter.serverPIDs = append(meter.serverPIDs, fl.Pid())
		if sdkOut, err = runSDK(ctx, cfg, base, fl.URL(), n, core, meter, progress); err != nil {
			return "", err
		}
		if cfg.SDK == "only" {
			return sdkOut, nil
		}
	}
	var cells []cell
	for r := range cfg.Reps {
		for _, l := range harness.Rotate(lockers, r) {
			before, err := meter.sample(ctx)
			if err != nil {
				return "", err
			}
			res := harness.RunCell(ctx, l, harness.CellSpec{Workload: harness.Distinct, Concurrency: cfg.Concurrency,
				Rep: r, Duration: cfg.Duration, MaxPairs: cfg.MaxPairs, TTL: cfg.TTL, Grace: cfg.Grace, Stuck: progress})
			after, err := meter.sample(ctx)
			if err != nil {
				return "", err
			}
			c := cell{res, after.sub(before)}
			cells = append(cells, c)
			fmt.Fprintf(progress, "service rep %d %-26s %9.0f pairs/s p50 %-10v p99 %-10v CPU/pair %-8v failed %d%s\n",
				r+1, l.Name(), res.PairsPerSec(), res.P50, res.P99, c.perPair(c.cpu.total()), res.Failed, errNote(res.FirstErr))
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
	}
	return format(cells, cfg) + "\n" + sdkOut, nil
}

// renamed gives the core its row name in this table.
type renamed struct {
	contenders.Locker
	name string
}

func (r renamed) Name() string { return r.name }

func errNote(err error) string {
	if err == nil {
		return ""
	}
	return " (first error: " + err.Error() + ")"
}
