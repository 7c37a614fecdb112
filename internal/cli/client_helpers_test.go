package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/distlock/distlock/internal/servertest"
)

// startService starts a real `distlock serve` in the test process for one test.
func startService(t *testing.T) string {
	t.Helper()
	srv, err := servertest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the service: %v", err)
		}
	})
	return srv.URL
}

// cliResult is what one distlock command did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs distlock with args as the binary would, to completion.
func runCLI(ctx context.Context, stdin io.Reader, args ...string) cliResult {
	var out, errb bytes.Buffer
	code := Run(ctx, args, stdin, &out, &errb)
	return cliResult{code, out.String(), errb.String()}
}

// startCLI runs distlock with args in the background, its stdout and stderr going to the
// given writers, and returns a channel with its exit code.
func startCLI(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args ...string) <-chan int {
	done := make(chan int, 1)
	go func() { done <- Run(ctx, args, stdin, stdout, stderr) }()
	return done
}

// watchWriter keeps what is written to it and closes Seen the first time it holds want.
// Output of a child process arrives from another goroutine, hence the lock.
type watchWriter struct {
	want string
	seen chan struct{}

	mu   sync.Mutex
	buf  bytes.Buffer
	once sync.Once
}

func newWatchWriter(want string) *watchWriter {
	return &watchWriter{want: want, seen: make(chan struct{})}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// Seen is closed once the output contains the wanted text.
func (w *watchWriter) Seen() <-chan struct{} { return w.seen }

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// awaitExit returns the exit code from done, failing the test if it ends first.
func awaitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-t.Context().Done():
		t.Fatal("the command did not finish")
		return -1
	}
}

// awaitSeen waits until w has seen its text, failing the test if done fires first.
func awaitSeen(t *testing.T, w *watchWriter, done <-chan int, stderr *watchWriter) {
	t.Helper()
	select {
	case <-w.Seen():
	case code := <-done:
		t.Fatalf("the command exited %d before writing %q; stderr:\n%s", code, w.want, stderr.String())
	}
}
