package server

import (
	"io"
	"log/slog"
)

// newLogger is the server's one log stream: JSON lines on w from level up.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
