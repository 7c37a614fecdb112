package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// TestStreamsOutliveTheServerTimeouts: a stream answered for longer than the server's
// read and write timeouts arrives whole; a unary call keeps its bound. Before
// liftStreamDeadlines, every Hold and Watch was cut after --max-wait + 30 s.
func TestStreamsOutliveTheServerTimeouts(t *testing.T) {
	const chunks = 8
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range chunks {
			io.WriteString(w, "event\n")
			http.NewResponseController(w).Flush()
			time.Sleep(50 * time.Millisecond) // the stream outlasts both timeouts below
		}
	})
	srv := httptest.NewUnstartedServer(liftStreamDeadlines(slow))
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	read := func(path string) (string, error) {
		resp, err := http.Post(srv.URL+path, "application/connect+json", strings.NewReader("{}"))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for _, p := range []string{distlockv1connect.LockServiceHoldProcedure, distlockv1connect.LockServiceWatchProcedure} {
		body, err := read(p)
		if err != nil || strings.Count(body, "event") != chunks {
			t.Errorf("%s: got %d of %d events (%v): the stream was cut", p, strings.Count(body, "event"), chunks, err)
		}
	}
	// The control: a unary procedure still has the timeouts, so the test can fail; so
	// does Batch, whose calls' waits are capped as a unary Acquire's.
	for _, p := range []string{distlockv1connect.LockServiceAcquireProcedure, distlockv1connect.LockServiceBatchProcedure} {
		body, err := read(p)
		if err == nil && strings.Count(body, "event") == chunks {
			t.Errorf("%s outlived WriteTimeout", p)
		}
	}
}
