package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"go.uber.org/goleak"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

func TestMain(m *testing.M) {
	// `distlock run` starts its own binary again as CMD's supervisor (client_child.go);
	// in tests that binary is this one, so it routes the call as main does.
	if len(os.Args) > 1 && os.Args[1] == supervisorCommand {
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), nil, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "serve") {
		t.Fatalf("no command: exit %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := Run(context.Background(), []string{"frobnicate"}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d, stderr %q", code, errOut.String())
	}
	if code := Run(context.Background(), []string{"--help"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "serve") {
		t.Fatalf("help: exit %d, stdout %q", code, out.String())
	}
	out.Reset()
	errOut.Reset()
	if code := Run(context.Background(), []string{"serve", "-h"}, nil, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "--ready-file") && !strings.Contains(errOut.String(), "-ready-file") {
		t.Fatalf("serve -h: exit %d, stderr %q", code, errOut.String())
	}
	if code := Run(context.Background(), []string{"serve", "--max-ttl", "1h"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("serve with a bad flag: exit %d", code)
	}
}

// lineSignal is a writer that closes seen once a write contains substr.
type lineSignal struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	substr string
	seen   chan struct{}
}

func (w *lineSignal) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.substr) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

// TestServeEndToEnd runs `distlock serve --listen 127.0.0.1:0 --ready-file F` as main
// does, serves a lock through it, and shuts it down by cancelling the context.
func TestServeEndToEnd(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "url")
	serving := make(chan struct{})
	stderr := &lineSignal{substr: `"msg":"distlock serving"`, seen: serving}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--ready-file", ready}, nil, io.Discard, stderr)
	}()
	select {
	case <-serving:
	case code := <-exit:
		t.Fatalf("serve exited with %d before serving:\n%s", code, stderr.buf.String())
	}
	url, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: tr}, string(url))
	lease, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "e2e"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "e2e", LeaseToken: lease.Msg.GetLeaseToken()})); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, stderr.buf.String())
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Fatalf("ready file left behind: %v", err)
	}
}
