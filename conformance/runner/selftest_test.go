package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/runner"
	"github.com/distlock/distlock/conformance/spec"
	_ "github.com/distlock/distlock/core/redlock" // redis://, for the adapters below
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
	_ "github.com/distlock/distlock/sdks/go/distlock" // http://
)

// TestMain lets this test binary act as an adapter: run as `<binary> adapter MODE`, it
// serves the protocol over the Go core, honestly (MODE "honest") or with one deliberate
// lie, so the self-test needs no build step.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "adapter" {
		if streamLiars[os.Args[2]] != nil || os.Args[2] == "streams" {
			serveStreamsAdapter(os.Args[2])
			return
		}
		serveAdapter(os.Args[2])
		return
	}
	os.Exit(m.Run())
}

// liars are the deliberately wrong adapters, each with the cases that must catch it.
var liars = map[string][]string{
	// grants-held reports success, at once, when the lock is held by another.
	"grants-held": {"acquire-held-no-wait", "wait-times-out", "contend-eight"},
	// reuses-fencing reports the first fencing token ever granted for a resource again
	// for every later holder.
	"reuses-fencing": {"fencing-across-holders", "release-frees", "contend-eight"},
	// hides-loss never reports a lost lock.
	"hides-loss": {"stolen-lease-reported-lost"},
}

func serveAdapter(mode string) {
	var stdout io.Writer = os.Stdout
	if mode == "hides-loss" {
		stdout = dropLost{os.Stdout}
	}
	out := protocol.NewWriter(stdout)
	var h goadapter.Handler = goadapter.New("go-core-"+mode, []string{protocol.CapRenewal, protocol.CapBinaryNames}, out, nil)
	if mode != "honest" && mode != "sdk" { // sdk: the same, over http:// (the Go SDK)
		h = &liar{Handler: h, mode: mode, first: map[string]uint64{}}
	}
	if err := goadapter.Serve(os.Stdin, out, h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type liar struct {
	goadapter.Handler
	mode  string
	mu    sync.Mutex
	first map[string]uint64
}

func (l *liar) Handle(req *pb.AdapterRequest) *pb.Reply {
	a := req.GetAcquire()
	if a != nil && l.mode == "grants-held" {
		a.Wait = durationpb.New(0) // one attempt, then the lie
	}
	rep := l.Handler.Handle(req)
	if a == nil {
		return rep
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.mode == "grants-held" && rep.GetError().GetCode() == protocol.CodeAborted:
		return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: 1}}}
	case l.mode == "reuses-fencing" && rep.GetError() == nil:
		if f, ok := l.first[a.GetResource()]; ok {
			rep.GetLock().FencingToken = f
		} else {
			l.first[a.GetResource()] = rep.GetLock().GetFencingToken()
		}
	}
	return rep
}

// dropLost swallows the adapter's lost events (each is one line, written in one call).
type dropLost struct{ w io.Writer }

func (d dropLost) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"lost"`)) {
		return len(p), nil
	}
	return d.w.Write(p)
}

func loadCases(t *testing.T, names []string) []spec.Case {
	t.Helper()
	all, err := spec.Load("../cases", runner.Ops)
	if err != nil {
		t.Fatal(err)
	}
	var out []spec.Case
	for _, c := range all {
		if slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	if len(out) != len(names) {
		t.Fatalf("found %d of the cases %v", len(out), names)
	}
	return out
}

func target(mode string) runner.Target {
	return runner.Target{Name: mode, Via: "redis", Run: adapterArgs(mode)}
}

// adapterArgs runs this test binary as the adapter of mode (see TestMain).
func adapterArgs(mode string) []string { return []string{os.Args[0], "adapter", mode} }

// TestSuiteCatchesWrongAdapters proves the suite can fail: each deliberately wrong
// adapter fails every case chosen to catch its lie, while the honest adapter passes the
// same cases, so the failures come from the lies and not from the environment.
func TestSuiteCatchesWrongAdapters(t *testing.T) {
	var names []string
	for _, cs := range liars {
		names = append(names, cs...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	targets := []runner.Target{target("honest")}
	for mode := range liars {
		targets = append(targets, target(mode))
	}
	rep, err := runner.Run(context.Background(), runner.Options{
		Root:            "../..",
		Cases:           loadCases(t, names),
		Targets:         targets,
		KnownFailingDir: t.TempDir(),
		WorkDir:         t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	rep.WriteMarkdown(&md)
	t.Logf("matrix:\n%s", md.String())
	if len(rep.Errors) > 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	if !rep.Failed() {
		t.Error("report does not count as failed although wrong adapters ran")
	}
	for _, row := range rep.Rows {
		if got := row.Cells["honest"].Status; got != runner.Pass {
			t.Errorf("honest adapter: %s is %s: %s", row.Case, got, row.Cells["honest"].Detail)
		}
		for mode, catching := range liars {
			if !slices.Contains(catching, row.Case) {
				continue
			}
			if got := row.Cells[mode].Status; got != runner.Fail {
				t.Errorf("%s adapter: %s is %s, want FAIL", mode, row.Case, got)
			}
		}
	}
}

// TestKnownFailingList checks that a listed failure is tolerated with its reason and that
// a listed case that passes is flagged, so the list cannot go stale silently.
func TestKnownFailingList(t *testing.T) {
	dir := t.TempDir()
	list := "- case: acquire-held-no-wait\n  reason: grants held locks on purpose\n- case: acquire-free\n  reason: stale entry\n"
	if err := os.WriteFile(filepath.Join(dir, "grants-held.yaml"), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := runner.Run(context.Background(), runner.Options{
		Root:            "../..",
		Cases:           loadCases(t, []string{"acquire-held-no-wait", "acquire-free"}),
		Targets:         []runner.Target{target("grants-held")},
		KnownFailingDir: dir,
		WorkDir:         t.TempDir(),
		CaseFilter:      regexp.MustCompile(`^acquire-`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]runner.Status{"acquire-held-no-wait": runner.KnownFail, "acquire-free": runner.UnexpectedPass}
	for _, row := range rep.Rows {
		c := row.Cells["grants-held"]
		if c.Status != want[row.Case] {
			t.Errorf("%s: %s (%s), want %s", row.Case, c.Status, c.Detail, want[row.Case])
		}
		if c.Status == runner.KnownFail && !strings.Contains(c.Detail, "grants held locks on purpose") {
			t.Errorf("%s: detail %q does not give the reason", row.Case, c.Detail)
		}
	}
	if !rep.Failed() {
		t.Error("a stale known-failing entry (XPASS) must fail the run")
	}
}

// TestKnownFailingNeedsReason checks that an entry without a reason is refused.
func TestKnownFailingNeedsReason(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("- case: acquire-free\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.LoadKnownFailing(dir, "x"); err == nil {
		t.Error("an entry without a reason was accepted")
	}
}
