package server

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/distlock/distlock/internal/auth"
)

// watchAuth reloads the auth file on SIGHUP and when it changes, until the returned stop
// is called (which waits for the watcher to end).
func watchAuth(ctx context.Context, a *auth.Authority, every time.Duration) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Watch(ctx, hup, every)
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}
