package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// streamProcedures are the RPCs whose response lives as long as the client wants: a Hold
// keeps its lock for as long as its stream is open, a Watch reports changes until the
// watcher leaves. Batch is a stream too, but not one of these: each of its calls waits
// at most --max-wait, as a unary Acquire does, so the unary calls' WriteTimeout
// (--max-wait + 30 s) bounds it as well, and a client that stops reading cannot hold
// it open for ever. (Go's HTTP/1.1 server clears the read deadline once the body is
// read, so ReadTimeout does not cut a Batch that waits.)
var streamProcedures = []string{
	distlockv1connect.LockServiceHoldProcedure,
	distlockv1connect.LockServiceWatchProcedure,
}

// liftStreamDeadlines clears the server's read and write deadlines for the streaming
// procedures. WriteTimeout (--max-wait + 30 s) exists to bound unary calls; applied to a
// stream it cut every Hold and Watch after 90 s with the defaults, so a Hold was reported
// lost while its holder was fine. On HTTP/1.1 the read deadline must go too: the server
// watches the connection for a close with a background read, and its timeout would end
// the request. A stream still ends when its client leaves or the server drains.
func liftStreamDeadlines(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r.URL.Path) {
			rc := http.NewResponseController(w)
			// Errors mean the transport has no deadlines to lift.
			_ = rc.SetWriteDeadline(time.Time{})
			_ = rc.SetReadDeadline(time.Time{})
		}
		h.ServeHTTP(w, r)
	})
}

func isStream(path string) bool {
	for _, p := range streamProcedures {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
