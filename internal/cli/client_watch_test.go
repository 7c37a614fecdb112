package cli

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/distlock/distlock/internal/servertest"
)

// TestWatchPrintsOneLinePerEvent: `distlock watch PREFIX` prints the state, then each
// change under PREFIX as one JSON line with the service's field names, and exits 0 when
// interrupted; against `distlock serve` with no flags (Redlock over the embedded Redis
// servers, the README's first command) and over the memory backend.
func TestWatchPrintsOneLinePerEvent(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) { t.Parallel(); watchPrintsOneLinePerEvent(t) })
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		watchPrintsOneLinePerEvent(t, "--lock-service", "memory://"+t.Name())
	})
}

func watchPrintsOneLinePerEvent(t *testing.T, serveFlags ...string) {
	srv, err := servertest.Start(nil, serveFlags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if r := runCLI(ctx, nil, "acquire", "jobs/1", "--server", srv.URL, "--owner", "first"); r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	synced, out, errw := newWatchWriter("KIND_SYNCED"), newWatchWriter("KIND_GRANTED"), newWatchWriter("\x00")
	done := startCLI(ctx, nil, io.MultiWriter(synced, out), errw, "watch", "jobs/", "--server", srv.URL)
	awaitSeen(t, synced, done, errw)
	if r := runCLI(ctx, nil, "acquire", "other", "--server", srv.URL); r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := runCLI(ctx, nil, "acquire", "jobs/2", "--server", srv.URL, "--owner", "second"); r.code != 0 {
		t.Fatalf("acquire: exit %d, stderr %s", r.code, r.stderr)
	}
	awaitSeen(t, out, done, errw)
	cancel()
	if code := awaitExit(t, done); code != exitOK {
		t.Fatalf("interrupted watch exited %d, want 0; stderr %s", code, errw.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct{ kind, resource, owner string }{
		{"KIND_CURRENT", "jobs/1", "first"}, {"KIND_SYNCED", "", ""}, {"KIND_GRANTED", "jobs/2", "second"},
	}
	if len(lines) != len(want) {
		t.Fatalf("printed %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, line := range lines {
		var ev struct {
			Kind, Resource string
			Holder         struct{ Owner, FencingToken, ExpireTime string }
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		w := want[i]
		if ev.Kind != w.kind || ev.Resource != w.resource || ev.Holder.Owner != w.owner ||
			(w.owner != "" && (ev.Holder.FencingToken == "" || ev.Holder.ExpireTime == "")) {
			t.Errorf("line %d: %s, want %s %s held by %s with a fencingToken and expireTime", i, line, w.kind, w.resource, w.owner)
		}
	}
}
