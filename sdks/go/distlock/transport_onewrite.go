package distlock

import (
	"bytes"
	"io"
	"net/http"
)

// maxOneWriteBody is the largest request body that oneWrite sends in the headers'
// write. Lock calls are a few dozen bytes; past a few kilobytes the second write is
// noise.
const maxOneWriteBody = 64 << 10

// oneWrite sends a unary call's headers and body in one write. Connect hands net/http
// each unary body as a reader of its own type, and net/http flushes the headers before
// any body that is not a bytes or strings reader (in case the body blocks), so each
// call left in two writes: two syscalls and two TCP segments, the service woken for
// the headers and again for the body. Over a bytes.Reader net/http writes both at once.
type oneWrite struct{ next http.RoundTripper }

func (t oneWrite) RoundTrip(req *http.Request) (*http.Response, error) {
	n := req.ContentLength
	if req.Body == nil || req.Body == http.NoBody || n <= 0 || n > maxOneWriteBody {
		return t.next.RoundTrip(req)
	}
	body := make([]byte, n)
	_, err := io.ReadFull(req.Body, body)
	req.Body.Close() // a RoundTripper closes the body, whatever happens
	if err != nil {
		return nil, err
	}
	// RoundTrip must not change the caller's request: send a copy with the new body.
	r := new(http.Request)
	*r = *req
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(r)
}
