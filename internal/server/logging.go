package server

import (
	"io"
	"log/slog"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"

	"github.com/distlock/distlock/core/redlock"
)

// newLogger is the server's one log stream: JSON lines on w from level up.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// routeLibraryLogs sends the process-wide logs of the libraries the server uses into
// logger, so that stderr carries JSON lines only: go-redis's (at debug), and
// OpenTelemetry's, whose exporter otherwise prints plain lines ("traces export: …")
// when the collector is unreachable. Both are global to the process, so only the CLI
// calls it: [Run] embedded in another program leaves that program's choices alone.
func routeLibraryLogs(logger *slog.Logger) {
	redlock.SetDriverLogger(logger)
	otel.SetLogger(logr.FromSlogHandler(logger.Handler()))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("opentelemetry", "error", err.Error())
	}))
}
