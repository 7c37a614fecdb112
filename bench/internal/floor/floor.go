// Package floor is the least an HTTP service over distlock's core can cost: a net/http
// handler that calls the core for each request, with no Connect, protobuf, auth, limits,
// metrics or grant guard, and a net/http client with in-memory bodies. The Go SDK cells
// run it beside `distlock serve`, in a process of its own with the same GOMAXPROCS, so
// that a target the floor misses in the same run is shown to be out of reach of any
// service over this core on the machine, not only of ours.
//
// The protocol, all integers big-endian:
//
//	POST /acquire  body: TTL in ms (8 bytes), wait in ms (8 bytes), the key
//	               200: the lease's id (8 bytes); 409: not acquired within the wait
//	POST /release  body: the lease's id (8 bytes); 200, or 404 for an unknown id
package floor

import (
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Handler serves the protocol over l. Leases stay in the handler's memory, under an id,
// until released: nothing a real service would not keep.
func Handler(l driver.Lessor) http.Handler {
	h := &handler{l: l}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /acquire", h.acquire)
	mux.HandleFunc("POST /release", h.release)
	return mux
}

type handler struct {
	l      driver.Lessor
	leases sync.Map // id (uint64) → driver.Lease
	next   atomic.Uint64
}

func (h *handler) acquire(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) < 17 {
		http.Error(w, "body: TTL, wait, key", http.StatusBadRequest)
		return
	}
	ms := func(b []byte) time.Duration { return time.Duration(binary.BigEndian.Uint64(b)) * time.Millisecond }
	lease, err := h.l.Acquire(r.Context(), string(body[16:]), driver.LeaseOptions{TTL: ms(body[:8]), Wait: ms(body[8:16])})
	switch {
	case errors.Is(err, driver.ErrAcquireTimeout):
		http.Error(w, err.Error(), http.StatusConflict)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	id := h.next.Add(1)
	h.leases.Store(id, lease)
	w.Write(binary.BigEndian.AppendUint64(nil, id))
}

func (h *handler) release(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) != 8 {
		http.Error(w, "body: a lease id", http.StatusBadRequest)
		return
	}
	lease, ok := h.leases.LoadAndDelete(binary.BigEndian.Uint64(body))
	if !ok {
		http.Error(w, "no such lease", http.StatusNotFound)
		return
	}
	if err := h.l.Release(r.Context(), lease.(driver.Lease)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
