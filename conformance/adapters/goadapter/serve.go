// Package goadapter is the conformance adapter for Go targets: it serves the adapter
// protocol (proto/distlock/conformance/v1/adapter.proto) over any [driver.Lessor] opened by
// URL, so the Go core (redis://) and the Go SDK (http://) share one adapter and differ
// only in how they open a client. Renewal and the lost signal come from [core.Hold], as
// they do for [core.Client].
package goadapter

import (
	"errors"
	"io"
	"sync"

	"github.com/distlock/distlock/conformance/protocol"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// Handler answers one request. It may be called concurrently.
type Handler interface {
	Handle(req *pb.AdapterRequest) *pb.Reply
}

// Serve reads requests from r until it closes and answers each on w, running each in
// its own goroutine so that a blocked acquire does not hold up the others.
func Serve(r io.Reader, w *protocol.Writer, h Handler) error {
	in := protocol.NewReader(r)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		req := &pb.AdapterRequest{}
		if err := in.Read(req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		wg.Go(func() {
			rep := h.Handle(req)
			rep.Id = req.GetId()
			// A failed write means the runner is gone; the adapter ends when stdin closes.
			_ = w.Write(&pb.AdapterResponse{Kind: &pb.AdapterResponse_Reply{Reply: rep}})
		})
	}
}

// send writes an event; see Serve for why a failure is dropped.
func send(w *protocol.Writer, ev *pb.Event) {
	_ = w.Write(&pb.AdapterResponse{Kind: &pb.AdapterResponse_Event{Event: ev}})
}
