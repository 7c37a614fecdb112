package server

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// logWatch is the server's log output: it keeps every line and lets a test wait for a
// line containing some text, instead of sleeping.
type logWatch struct {
	mu      sync.Mutex
	lines   []string
	waiters []logWaiter
	pw      *io.PipeWriter
	done    chan struct{}
}

type logWaiter struct {
	substr string
	ch     chan string
}

func newLogWatch() *logWatch {
	pr, pw := io.Pipe()
	w := &logWatch{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			w.line(sc.Text())
		}
	}()
	return w
}

func (w *logWatch) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *logWatch) close() {
	w.pw.Close()
	<-w.done
}

func (w *logWatch) line(l string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, l)
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if strings.Contains(l, wt.substr) {
			wt.ch <- l
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
}

// await returns a channel that receives the first line, past or future, containing substr.
func (w *logWatch) await(substr string) <-chan string {
	ch := make(chan string, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range w.lines {
		if strings.Contains(l, substr) {
			ch <- l
			return ch
		}
	}
	w.waiters = append(w.waiters, logWaiter{substr, ch})
	return ch
}

func (w *logWatch) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// running is a server started by startServer.
type running struct {
	url       string
	readyFile string
	logs      *logWatch
	stop      func() error // cancels Run and returns its error
}

// startServer runs Run with the given flags plus --listen 127.0.0.1:0 and a ready file,
// and returns once the ready file names the server's URL.
func startServer(t testing.TB, args ...string) *running {
	t.Helper()
	return startServerWith(t, nil, args...)
}

// startServerWith is startServer with the parsed config changed by tweak (if not nil)
// before Run, for what no flag sets.
func startServerWith(t testing.TB, tweak func(*Config), args ...string) *running {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	args = append([]string{"--listen", "127.0.0.1:0", "--ready-file", ready}, args...)
	c, err := ParseConfig(args, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(&c)
	}
	logs := newLogWatch()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, c, logs) }()
	var stopped bool
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
			logs.close()
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case <-logs.await(`"msg":"distlock serving"`):
	case err := <-done:
		done <- err
		t.Fatalf("Run ended before serving: %v\n%s", err, logs.text())
	}
	b, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	return &running{url: string(b), readyFile: ready, logs: logs, stop: stop}
}
