package servertest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/internal/servertest"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// The process-based twin, sdks/go/distlocktest, has the fuller tests of the same
// contract; these check what is in-process: flags parsed here, errors returned as is.

func TestStartServesInProcessUntilClose(t *testing.T) {
	srv, err := servertest.Start(nil, "--lock-service", "memory://servertest")
	if err != nil {
		t.Fatal(err)
	}
	l, err := distlock.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A free lock's Info is not_found: the service answered.
	if _, err := l.Info(t.Context(), "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Info: %v, want ErrNotHeld from a running service", err)
	}
	if err, again := srv.Close(), srv.Close(); err != nil || again != nil {
		t.Errorf("Close: %v, then %v; want nil twice", err, again)
	}
}

func TestStartReturnsTheServersError(t *testing.T) {
	if srv, err := servertest.Start(nil, "--max-ttl", "1h"); err == nil {
		srv.Close()
		t.Error("Start accepted --max-ttl 1h")
	}
	srv, err := servertest.Start(nil, "--lock-service", "nosuch://x")
	if err == nil {
		srv.Close()
		t.Fatal("Start returned a server for an unknown lock service")
	}
	if !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("err = %v, want the server's own error", err)
	}
}
