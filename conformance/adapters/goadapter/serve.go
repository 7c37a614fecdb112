// Package goadapter is the conformance adapter for Go targets: it serves the line protocol
// of package protocol over any [driver.Lessor] opened by URL with [driver.Open], so the Go
// core (redis://) and the Go SDK (http://) share one adapter and differ only in what they
// import. Renewal and the lost signal come from [core.Hold], as they do for
// [core.Client].
package goadapter

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/distlock/distlock/conformance/protocol"
)

// Handler answers one command. It may be called concurrently.
type Handler interface {
	Handle(cmd protocol.Command) protocol.Reply
}

// Writer serialises lines to an adapter's stdout; it is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{enc: json.NewEncoder(w)} }

// Send writes v as one line. A failure to write means the runner is gone; the adapter
// then ends when its stdin closes, so the error is dropped.
func (w *Writer) Send(v any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.enc.Encode(v)
}

// Serve reads commands from r until it closes and answers each on w, running each
// command in its own goroutine so that a blocked acquire does not hold up the others.
func Serve(r io.Reader, w *Writer, h Handler) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var wg sync.WaitGroup
	defer wg.Wait()
	for sc.Scan() {
		var cmd protocol.Command
		if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
			return fmt.Errorf("bad command %q: %w", sc.Text(), err)
		}
		wg.Go(func() {
			rep := h.Handle(cmd)
			rep.ID = cmd.ID
			w.Send(rep)
		})
	}
	return sc.Err()
}
