package distlocktest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	_ "github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

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
