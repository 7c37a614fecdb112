package redlock

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// TestDriverLogGoesToSlog dials a port where nothing listens and checks that go-redis's
// line about the failed dial reaches the logger set by SetDriverLogger, as JSON at
// Debug, and nothing of it reaches a logger at Info (slog.Default's level).
func TestDriverLogGoesToSlog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	var debug, info bytes.Buffer
	for _, tc := range []struct {
		out   *bytes.Buffer
		level slog.Level
	}{{&info, slog.LevelInfo}, {&debug, slog.LevelDebug}} {
		SetDriverLogger(slog.New(slog.NewJSONHandler(tc.out, &slog.HandlerOptions{Level: tc.level})))
		c := newClient(t, []string{refused})
		_, _ = c.Info(context.Background(), "r")
		c.Close()
	}
	SetDriverLogger(nil)

	if info.Len() != 0 {
		t.Errorf("go-redis lines at Info level:\n%s", info.String())
	}
	var line struct{ Level, Msg, Detail string }
	first, _, _ := strings.Cut(debug.String(), "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("go-redis line %q is not JSON: %v", first, err)
	}
	if line.Level != "DEBUG" || line.Msg != "redis driver" || !strings.Contains(line.Detail, "failed to dial") {
		t.Fatalf("go-redis line: %+v", line)
	}
}
