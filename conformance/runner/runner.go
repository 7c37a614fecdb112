// Package runner runs the conformance cases against every target and reports a case x
// target matrix. For each target it starts an environment (three Redis nodes and, for
// targets behind the service, `distlock serve` over them), starts the target's adapter,
// and runs the cases one after another; such units (a target, a kind of environment, a
// shard of the cases) run in parallel.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/spec"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// Options configure [Run].
type Options struct {
	// Root is the repository root; commands run from there.
	Root string
	// Cases are the cases to run (see spec.Load).
	Cases []spec.Case
	// Targets are the targets to run (see LoadTargets).
	Targets []Target
	// KnownFailingDir holds <target>.yaml known-failing lists.
	KnownFailingDir string
	// CaseFilter, if not nil, selects cases by name.
	CaseFilter *regexp.Regexp
	// RealRedis also runs the cases marked real_redis against redis-server processes
	// started from the RedisServer binary.
	RealRedis   bool
	RedisServer string
	// Distlock is the distlock binary; empty builds it from Root/cmd/distlock.
	Distlock string
	// WorkDir receives built programs and logs; empty uses a temporary directory.
	WorkDir string
	// Progress, if not nil, receives a line per finished cell.
	Progress io.Writer
	// Parallel is how many units (one target's share of the cases in one kind of
	// environment, with an adapter, nodes and service of its own) run at once; 0 runs
	// them all at once. A unit mostly waits on TTLs and renewals (the whole suite uses
	// about 6 % of two cores), so its wall time, not the machine, bounds the suite's.
	Parallel int
	// Shards splits each target's cases in each kind of environment into this many
	// units (round robin over the cases, in file order); 0 means 1.
	Shards int
	// Service, when set, is the base URL of a running service to test instead of one the
	// runner starts: no nodes are started, and cases that need node or time control (or
	// a target that talks to Redis) are n/a.
	Service string
	// Header is added to every call the proxies pass on: the credentials a service given
	// with Service checks (clients under test send none of their own).
	Header http.Header
}

// Status is the outcome of one case on one target.
type Status string

// Statuses. Only [Pass], [NotApplicable] and [KnownFail] are expected.
const (
	Pass          Status = "pass"
	Fail          Status = "FAIL"
	NotApplicable Status = "n/a"
	// KnownFail is a failure listed, with its reason, in the target's known-failing list.
	KnownFail Status = "known-fail"
	// UnexpectedPass is a pass of a case listed as known-failing: the list is stale.
	UnexpectedPass Status = "XPASS"
)

// Result is one cell of the matrix.
type Result struct {
	Status Status
	// Detail says why a cell is not a pass: the failing step and what it got.
	Detail string
	// Duration is how long the case ran.
	Duration time.Duration
}

// Row is one case (in one kind of environment) across every target.
type Row struct {
	// Case and Proves are the case's name and statement.
	Case, Proves string
	// Env is the kind of Redis nodes: "miniredis" or "redis-server", or "service" for
	// Options.Service.
	Env string
	// Cells holds each target's result, by target name.
	Cells map[string]Result
}

// Report is the matrix.
type Report struct {
	// Targets are the targets' names, in the order given.
	Targets []string
	// Rows are the cases, in load order, miniredis rows before redis-server ones.
	Rows []*Row
	// Errors are failures outside any case, such as a target that could not start.
	Errors []string
}

// Failed reports whether any cell or target is not as expected.
func (r *Report) Failed() bool {
	if len(r.Errors) > 0 {
		return true
	}
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if c.Status == Fail || c.Status == UnexpectedPass {
				return true
			}
		}
	}
	return false
}

// Run runs every selected case on every target and returns the matrix. It returns an
// error only when it cannot run at all; failures are in the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.WorkDir == "" {
		dir, err := os.MkdirTemp("", "distlock-conformance-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.WorkDir = dir
	}
	bin := filepath.Join(o.WorkDir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	var cases []spec.Case
	for _, c := range o.Cases {
		if o.CaseFilter == nil || o.CaseFilter.MatchString(c.Name) {
			cases = append(cases, c)
		}
	}
	rep := &Report{}
	rows := map[string]*Row{}
	addRow := func(c spec.Case, envKind string) {
		key := c.Name + "@" + envKind
		if rows[key] == nil {
			rows[key] = &Row{Case: c.Name, Env: envKind, Proves: c.Proves, Cells: map[string]Result{}}
			rep.Rows = append(rep.Rows, rows[key])
		}
	}
	for _, c := range cases {
		addRow(c, firstKind(o))
	}
	if o.RealRedis && o.Service == "" {
		for _, c := range cases {
			if c.RealRedis {
				addRow(c, "redis-server")
			}
		}
	}
	// Builds run one at a time before any target starts: the machine is small.
	needService := false
	var runnable []Target
	for _, t := range o.Targets {
		rep.Targets = append(rep.Targets, t.Name)
		if err := prepareTarget(ctx, o, t, bin); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", t.Name, err))
			continue
		}
		runnable = append(runnable, t)
		needService = needService || t.Via == "service"
	}
	if needService && o.Distlock == "" && o.Service == "" {
		o.Distlock = filepath.Join(bin, "distlock")
		if err := runIn(ctx, o.Root, "go", "build", "-o", o.Distlock, "./cmd/distlock"); err != nil {
			return nil, fmt.Errorf("build distlock: %w", err)
		}
	}
	units, errs := planUnits(o, runnable, cases)
	rep.Errors = append(rep.Errors, errs...)
	if o.Parallel <= 0 {
		o.Parallel = max(1, len(units))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, o.Parallel)
	for _, u := range units {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs := runUnit(ctx, o, u, bin, func(c spec.Case, res Result) {
				mu.Lock()
				defer mu.Unlock()
				rows[c.Name+"@"+u.kind].Cells[u.t.Name] = res
				if o.Progress != nil {
					fmt.Fprintf(o.Progress, "%-12s %-40s %-13s %6.2fs %s %s\n", u.t.Name, c.Name, u.kind,
						res.Duration.Seconds(), res.Status, firstLine(res.Detail))
				}
			})
			mu.Lock()
			defer mu.Unlock()
			for _, err := range errs {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", u.name(), err))
			}
		})
	}
	wg.Wait()
	return rep, nil
}

// firstKind names the environment every case runs in: miniredis nodes the runner starts,
// or the service of -service.
func firstKind(o Options) string {
	if o.Service != "" {
		return "service"
	}
	return "miniredis"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// prepareTarget checks a target's prerequisites and builds it.
func prepareTarget(ctx context.Context, o Options, t Target, bin string) error {
	for _, n := range t.Needs {
		if _, err := os.Stat(filepath.Join(o.Root, n)); err != nil {
			return fmt.Errorf("needs %s, which is missing: %s", n, t.Hint)
		}
	}
	if len(t.Build) == 0 {
		return nil
	}
	argv := expand(t.Build, o.Root, bin)
	return runIn(ctx, o.Root, argv[0], argv[1:]...)
}

func runIn(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// unit is one target's share of the cases in one kind of environment. It has an
// adapter and an environment of its own, so units run side by side.
type unit struct {
	t     Target
	kind  string // "miniredis", "redis-server", or firstKind's "service"
	shard int
	cases []spec.Case
	known map[string]KnownFailure
}

func (u unit) name() string {
	return fmt.Sprintf("%s/%s/%d", u.t.Name, u.kind, u.shard)
}

// planUnits splits each target's cases by kind of environment and into o.Shards
// shards, the units with more cases first (they take longest). A target whose
// known-failing list cannot be used gets no unit, only an error.
func planUnits(o Options, targets []Target, cases []spec.Case) ([]unit, []string) {
	shards := max(1, o.Shards)
	var units []unit
	var errs []string
	for _, t := range targets {
		known, err := LoadKnownFailing(o.KnownFailingDir, t.Name)
		if err == nil {
			for name := range known {
				if !slices.ContainsFunc(o.Cases, func(c spec.Case) bool { return c.Name == name }) {
					err = fmt.Errorf("known-failing list names case %q, which does not exist", name)
				}
			}
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", t.Name, err))
			continue
		}
		if o.Service != "" {
			if t.Via != "service" {
				errs = append(errs, fmt.Sprintf("%s: talks to Redis, not to a service: it cannot run with --service", t.Name))
				continue
			}
			units = append(units, unit{t: t, kind: firstKind(o), cases: cases, known: known})
			continue
		}
		kinds := []string{"miniredis"}
		if o.RealRedis {
			kinds = append(kinds, "redis-server")
		}
		for _, kind := range kinds {
			parts := make([][]spec.Case, shards)
			n := 0
			for _, c := range cases {
				if kind == "miniredis" || c.RealRedis {
					parts[n%shards] = append(parts[n%shards], c)
					n++
				}
			}
			for i, part := range parts {
				if len(part) > 0 {
					units = append(units, unit{t: t, kind: kind, shard: i, cases: part, known: known})
				}
			}
		}
	}
	slices.SortStableFunc(units, func(a, b unit) int { return len(b.cases) - len(a.cases) })
	return units, errs
}

// runUnit starts a unit's adapter and environment and runs its cases one after another.
func runUnit(ctx context.Context, o Options, u unit, bin string, record func(spec.Case, Result)) (errs []error) {
	logDir := filepath.Join(o.WorkDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return []error{err}
	}
	base := fmt.Sprintf("%s.%s.%d", u.t.Name, u.kind, u.shard)
	ad, err := startAdapter(ctx, u.t.Name, expand(u.t.Run, o.Root, bin), o.Root, filepath.Join(logDir, base+".adapter.log"))
	if err != nil {
		return []error{err}
	}
	defer func() {
		if err := ad.close(); err != nil {
			errs = append(errs, fmt.Errorf("adapter exit: %w", err))
		}
	}()
	var e *env
	if o.Service != "" {
		e = newExternalEnv(o.Service, o.Header)
	} else {
		svcLog, err := os.Create(filepath.Join(logDir, base+".service.log"))
		if err != nil {
			return append(errs, err)
		}
		defer svcLog.Close()
		envDir, err := os.MkdirTemp(o.WorkDir, base+"-")
		if err != nil {
			return append(errs, err)
		}
		if e, err = newEnv(u.kind, o.RedisServer, o.Distlock, envDir, u.t.Via == "service", svcLog); err != nil {
			return append(errs, fmt.Errorf("%s environment: %w", u.kind, err))
		}
	}
	defer e.close()
	caps := append(slices.Clone(ad.caps), e.caps(u.t.Via)...)
	for _, c := range u.cases {
		if ctx.Err() != nil {
			break // interrupted: leave the remaining cells empty
		}
		k, listed := u.known[c.Name]
		record(c, judge(runCase(ad, u.t, e, c, caps), k, listed))
	}
	return errs
}

// judge applies the known-failing list to a result.
func judge(res Result, known KnownFailure, listed bool) Result {
	if !listed {
		return res
	}
	switch {
	case res.Status == Fail:
		res.Status = KnownFail
		res.Detail = "known: " + known.Reason + "\n" + res.Detail
	case res.Status == Pass && !known.Flaky:
		res.Status = UnexpectedPass
		res.Detail = "listed as known-failing (" + known.Reason + ") but passed: remove it from the list"
	}
	return res
}

// runCase runs one case in a prepared environment.
func runCase(ad *adapterProc, t Target, e *env, c spec.Case, caps []string) Result {
	var missing []string
	for _, need := range c.Caps() {
		if !slices.Contains(caps, need) {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return Result{Status: NotApplicable, Detail: "target lacks " + strings.Join(missing, ", ")}
	}
	start := time.Now()
	if err := e.prepare(slices.Contains(c.Caps(), protocol.CapAuth)); err != nil {
		return Result{Status: Fail, Detail: "environment: " + err.Error()}
	}
	r := &caseRun{target: t, env: e, ad: ad, board: newBoard(), locks: map[string]*lockRec{},
		pending: map[string]*pendingAcquire{}, urls: map[string]string{}, reasons: map[string]*pb.Error{},
		resources: map[string]string{}, sessions: map[string]string{}, watches: map[string]*watchLog{}}
	e.setBoard(r.board)
	ad.setEvents(r.event)
	var failure error
	for i, s := range c.Steps {
		if err := s.Op.(step).run(r); err != nil {
			failure = fmt.Errorf("step %d (%s, line %d): %w", i+1, s.Do, s.Line, err)
			break
		}
	}
	// Reset even after a failure, and wait for background acquires, so that nothing of
	// this case reaches the next one.
	for _, p := range r.pending {
		<-p.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), callSlack)
	rep, err := ad.call(ctx, &pb.AdapterRequest{Op: &pb.AdapterRequest_Reset_{Reset_: &pb.ResetRequest{}}})
	cancel()
	for _, f := range r.cleanup {
		f()
	}
	ad.setEvents(nil)
	if err == nil && rep.GetError() != nil {
		err = errors.New(describe(rep, nil))
	}
	if err != nil && failure == nil {
		failure = fmt.Errorf("reset: %w", err)
	}
	res := Result{Status: Pass, Duration: time.Since(start)}
	if failure != nil {
		res.Status, res.Detail = Fail, failure.Error()
	}
	return res
}
