package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/conformance/runner"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// streamLiars are the deliberately wrong adapters of Hold and Watch (over the Go SDK),
// each with the cases that must catch it.
var streamLiars = map[string][]string{
	// hides-current drops the watch's current events: a late subscriber left stale.
	"hides-current": {"watch-current-first", "watch-hand-over"},
	// hold-by-acquire takes a hold with a plain acquire (renewed by the client, no
	// stream): the service's Hold is never used.
	"hold-by-acquire": {"hold-granted", "hold-disconnect-releases"},
}

func serveStreamsAdapter(mode string) {
	var stdout io.Writer = os.Stdout
	if mode == "hides-current" {
		stdout = dropLines{w: os.Stdout, marker: []byte(`"kind":"current"`)}
	}
	out := protocol.NewWriter(stdout)
	caps := []string{protocol.CapRenewal, protocol.CapHold, protocol.CapWatch}
	var h goadapter.Handler = goadapter.New(mode, caps, out, nil)
	if mode == "hold-by-acquire" {
		h = holdByAcquire{h}
	}
	if err := goadapter.Serve(os.Stdin, out, h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type holdByAcquire struct{ goadapter.Handler }

func (a holdByAcquire) Handle(req *pb.AdapterRequest) *pb.Reply {
	if h := req.GetHold(); h != nil {
		req = &pb.AdapterRequest{Id: req.GetId(), Op: &pb.AdapterRequest_Acquire{Acquire: &pb.AcquireRequest{
			Client: h.GetClient(), Url: h.GetUrl(), Lock: h.GetLock(), Resource: h.GetResource(),
			Ttl: h.GetTtl(), Wait: h.GetWait(), Owner: h.GetOwner(), Data: h.GetData()}}}
	}
	return a.Handler.Handle(req)
}

// dropLines swallows the adapter's lines that contain marker (each line is written in
// one call).
type dropLines struct {
	w      io.Writer
	marker []byte
}

func (d dropLines) Write(p []byte) (int, error) {
	if bytes.Contains(p, d.marker) {
		return len(p), nil
	}
	return d.w.Write(p)
}

// TestSuiteCatchesWrongStreams proves the Hold and Watch cases can fail: each wrong
// adapter fails the cases chosen to catch it, while the honest one passes them. The
// watch cases need redis-server (miniredis has no keyspace notifications).
func TestSuiteCatchesWrongStreams(t *testing.T) {
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not on the PATH")
		}
		t.Skip("redis-server is not on the PATH")
	}
	var names []string
	for _, cs := range streamLiars {
		names = append(names, cs...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	targets := []runner.Target{{Name: "streams", Via: "service", Run: adapterArgs("streams")}}
	for mode := range streamLiars {
		targets = append(targets, runner.Target{Name: mode, Via: "service", Run: adapterArgs(mode)})
	}
	rep, err := runner.Run(context.Background(), runner.Options{
		Root:            "../..",
		Cases:           loadCases(t, names),
		Targets:         targets,
		KnownFailingDir: t.TempDir(),
		WorkDir:         t.TempDir(),
		RealRedis:       true,
		RedisServer:     redis,
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
	for _, row := range rep.Rows {
		if row.Env != "redis-server" {
			continue // the watch cases are n/a on miniredis; redis-server runs them all
		}
		if got := row.Cells["streams"].Status; got != runner.Pass {
			t.Errorf("honest adapter: %s is %s: %s", row.Case, got, row.Cells["streams"].Detail)
		}
		for mode, catching := range streamLiars {
			if slices.Contains(catching, row.Case) && row.Cells[mode].Status != runner.Fail {
				t.Errorf("%s adapter: %s is %s, want FAIL", mode, row.Case, row.Cells[mode].Status)
			}
		}
	}
}
