package distlock_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/distlock/distlock/internal/testproc"
	"github.com/distlock/distlock/sdks/go/distlocktest"
	"go.uber.org/goleak"
)

// serverURL is the base URL of the `distlock serve` (Redlock over three embedded Redis
// servers) that TestMain runs for every test against a real service.
var serverURL string

// TestMain runs the real `distlock serve` binary as a process, through distlocktest as an
// SDK user would, rather than linking the service: the SDK's tests then import no Redis
// code either, so a user's `go mod tidy` does not fetch Redis modules for them.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin, err := testproc.Distlock(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("DISTLOCK_BIN", bin)
	srv, err := distlocktest.Start(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	serverURL = srv.URL
	os.Setenv("DISTLOCK_SERVER", srv.URL) // the examples read it, as programs do
	code := m.Run()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the server:", err)
		code = 1
	}
	// Every lock is released and every Lessor closed by now: no renewal goroutine or
	// connection of the SDK may remain.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	return code
}

// startServer starts a second service with extra serve flags for one test.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	srv, err := distlocktest.Start(nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
	})
	return srv.URL
}
