package distlocktest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/internal/testproc"
	_ "github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

// TestMain has the tests run a binary built from this checkout, which is what
// DISTLOCK_BIN is for.
func TestMain(m *testing.M) {
	bin, err := testproc.Distlock(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("DISTLOCK_BIN", bin)
	os.Exit(m.Run())
}

func TestStartServesUntilClose(t *testing.T) {
	var logs strings.Builder
	srv, err := distlocktest.Start(&logs, "--lock-service", "memory://distlocktest")
	if err != nil {
		t.Fatal(err)
	}
	c := core.NewClient()
	defer c.Close()
	lock, err := c.TryLock(t.Context(), srv.URL, "r")
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	if err := lock.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !strings.Contains(logs.String(), "memory://distlocktest") {
		t.Errorf("the logs do not show the flags took effect:\n%s", logs.String())
	}
	if _, err := c.Info(t.Context(), srv.URL, "r"); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("Info after Close: err = %v, want ErrUnavailable (nobody listens)", err)
	}
}

func TestStartIgnoresConfigInTheEnvironment(t *testing.T) {
	t.Setenv("DISTLOCK_MAX_TTL", "1h") // out of bounds: the server would not start if it read it
	srv, err := distlocktest.Start(nil, "--lock-service", "memory://distlocktest-env")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestStartReportsBadFlags(t *testing.T) {
	if srv, err := distlocktest.Start(nil, "--max-ttl", "1h"); err == nil {
		srv.Close()
		t.Fatal("Start accepted --max-ttl 1h")
	}
}

func TestStartReportsAServerThatCannotStart(t *testing.T) {
	srv, err := distlocktest.Start(nil, "--lock-service", "nosuch://x")
	if err == nil {
		srv.Close()
		t.Fatal("Start returned a server for an unknown lock service")
	}
	if !strings.Contains(err.Error(), "stopped before listening") || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("err = %v, want the server's own error", err)
	}
}

func TestStartWithoutABinary(t *testing.T) {
	t.Setenv("DISTLOCK_BIN", "")
	t.Setenv("PATH", t.TempDir())
	if srv, err := distlocktest.Start(nil); err == nil || !strings.Contains(err.Error(), "DISTLOCK_BIN") {
		if srv != nil {
			srv.Close()
		}
		t.Errorf("err = %v, want one that says how to provide the binary", err)
	}
}
