// Command conformance runs the distlock conformance suite: every case in
// conformance/cases against every target in conformance/targets.yaml, printing a case x
// target matrix in Markdown. It exits 1 when a cell is unexpected (a failure not in the
// target's known-failing list, or a listed case that passed) or a target cannot run.
//
// Run it from the repository root:
//
//	go run ./conformance/cmd/conformance [-targets go-core,go-sdk] [-run REGEXP] [-real-redis]
//
// A team's own adapter (any language speaking the adapter protocol) is added with
// -adapter NAME='COMMAND ARGS' or -targets-file FILE, and run against a service of its own
// with -service URL (the cases that need node or time control are then n/a) and -header
// for its credentials, which the runner's proxies add to every call.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/conformance/spec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "repository root")
	targets := fs.String("targets", "", "comma-separated targets to run (default: all in targets.yaml)")
	pattern := fs.String("run", "", "run only cases whose name matches this regular expression")
	realRedis := fs.Bool("real-redis", false, "also run the cases marked real_redis against redis-server processes")
	distlock := fs.String("distlock", "", "distlock binary to serve with (default: build ./cmd/distlock)")
	work := fs.String("work", "", "directory for built programs and logs (default: a temporary one, removed)")
	out := fs.String("o", "", "also write the matrix to this file")
	readme := fs.Bool("update-readme", false, "also paste the matrix into conformance/README.md between its matrix markers")
	quiet := fs.Bool("q", false, "do not print a line per finished cell")
	parallel := fs.Int("parallel", 0, "how many units (a target's share of the cases in one kind of environment) run at once; 0: all")
	shards := fs.Int("shards", 2, "split each target's cases in each kind of environment into this many units")
	list := fs.Bool("list", false, "print the case catalogue (name, file, capabilities, what it proves) as Markdown and exit")
	service := fs.String("service", "", "test a running service at this base `URL` instead of one the runner starts (cases needing node or time control are n/a)")
	targetsFile := fs.String("targets-file", "", "also read targets from this `FILE` (the format of conformance/targets.yaml); without -targets, only these run")
	knownDir := fs.String("known-failing", "", "`DIR` of <target>.yaml known-failing lists (default: conformance/known_failing)")
	header := http.Header{}
	fs.Func("header", "add `NAME: VALUE` to every call the runner's proxies pass to the service, such as -service's credentials (repeatable)", func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return errors.New("want NAME: VALUE")
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		return nil
	})
	var adapters []runner.Target
	fs.Func("adapter", "add a target `NAME=COMMAND`: an adapter behind the service, started with COMMAND split on spaces (repeatable); without -targets, only these run", func(v string) error {
		name, command, ok := strings.Cut(v, "=")
		if !ok || name == "" || strings.TrimSpace(command) == "" {
			return errors.New("want NAME=COMMAND")
		}
		adapters = append(adapters, runner.Target{Name: name, Via: "service", Run: strings.Fields(command)})
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	o := runner.Options{Root: abs, KnownFailingDir: filepath.Join(abs, "conformance", "known_failing"), RealRedis: *realRedis,
		Distlock: *distlock, WorkDir: *work, Parallel: *parallel, Shards: *shards, Service: strings.TrimRight(*service, "/"), Header: header}
	if *knownDir != "" {
		o.KnownFailingDir = *knownDir
	}
	if !*quiet {
		o.Progress = stderr
	}
	if o.Cases, err = spec.Load(filepath.Join(abs, "conformance", "cases"), runner.Ops); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *list {
		writeCatalogue(stdout, o.Cases)
		return 0
	}
	all, err := runner.LoadTargets(filepath.Join(abs, "conformance", "targets.yaml"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *targetsFile != "" {
		more, err := runner.LoadTargets(*targetsFile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		adapters = append(adapters, more...)
	}
	if o.Targets, err = selectTargets(all, adapters, *targets); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *pattern != "" {
		if o.CaseFilter, err = regexp.Compile(*pattern); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	if *realRedis && o.Service == "" {
		if o.RedisServer, err = exec.LookPath("redis-server"); err != nil {
			if os.Getenv("CI") != "" {
				fmt.Fprintln(stderr, "redis-server not found and CI is set:", err)
				return 1
			}
			fmt.Fprintln(stderr, "redis-server not found: skipping the real-redis runs")
			o.RealRedis = false
		}
	}
	start := time.Now()
	rep, err := runner.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer f.Close()
		w = io.MultiWriter(stdout, f)
	}
	rep.WriteMarkdown(w)
	took := time.Since(start).Round(time.Second)
	fmt.Fprintf(stderr, "conformance: %d cases x %d targets in %v\n", len(rep.Rows), len(rep.Targets), took)
	if *readme {
		if err := updateReadme(filepath.Join(abs, "conformance", "README.md"), rep, took); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if rep.Failed() {
		fmt.Fprintln(stderr, "conformance: FAILED")
		return 1
	}
	return 0
}

// selectTargets picks the targets named (all without names), from the repository's and
// the added ones; added targets alone run when no names are given.
func selectTargets(all, added []runner.Target, names string) ([]runner.Target, error) {
	for _, t := range added {
		if slices.ContainsFunc(all, func(u runner.Target) bool { return u.Name == t.Name }) {
			return nil, errors.New("target " + t.Name + " is already in targets.yaml: give yours another name")
		}
	}
	if names == "" && len(added) > 0 {
		return added, nil
	}
	all = append(all, added...)
	if names == "" {
		return all, nil
	}
	var out []runner.Target
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(all, func(t runner.Target) bool { return t.Name == n })
		if i < 0 {
			return nil, errors.New("unknown target " + n)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// writeCatalogue lists the cases as a Markdown table.
func writeCatalogue(w io.Writer, cases []spec.Case) {
	fmt.Fprintln(w, "| case | file | also on redis-server | needs | proves |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, c := range cases {
		real := ""
		if c.RealRedis {
			real = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", c.Name, c.File, real, strings.Join(c.Caps(), ", "), c.Proves)
	}
}

// updateReadme replaces the matrix between the README's markers with this run's.
func updateReadme(path string, rep *runner.Report, took time.Duration) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const start, end = "<!-- matrix:start -->\n", "<!-- matrix:end -->"
	before, rest, ok := strings.Cut(string(b), start)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		return errors.New(path + " has no matrix markers")
	}
	var m strings.Builder
	fmt.Fprintf(&m, "\nFrom a run on %s UTC (%v). `n/a`: the target lacks a capability the case needs (see above); `known`: listed in known_failing with its reason.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), took)
	rep.WriteMarkdown(&m)
	m.WriteString("\n")
	return os.WriteFile(path, []byte(before+start+m.String()+end+after), 0o644)
}
