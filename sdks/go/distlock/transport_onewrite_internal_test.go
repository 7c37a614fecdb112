package distlock

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// countingConn counts the writes a client makes on its connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// opaqueBody is a body net/http does not know to be in memory, as Connect's is.
type opaqueBody struct{ io.Reader }

func (opaqueBody) Close() error { return nil }

// TestOneWriteSendsHeadersAndBodyTogether: a request whose body net/http cannot see is
// in memory leaves in two writes through net/http alone, and in one through oneWrite,
// with the body intact and the caller's request unchanged.
func TestOneWriteSendsHeadersAndBodyTogether(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		wrap   func(http.RoundTripper) http.RoundTripper
		writes int64
	}{
		{"net/http alone", func(rt http.RoundTripper) http.RoundTripper { return rt }, 2},
		{"oneWrite", func(rt http.RoundTripper) http.RoundTripper { return oneWrite{rt} }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var writes atomic.Int64
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				return countingConn{c, &writes}, err
			}}
			defer tr.CloseIdleConnections()
			const body = "a lock call's protobuf"
			req, err := http.NewRequest(http.MethodPost, srv.URL, opaqueBody{strings.NewReader(body)})
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = int64(len(body))
			orig := req.Body
			resp, err := tc.wrap(tr).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if n := writes.Load(); n != tc.writes {
				t.Errorf("%d writes for one request, want %d", n, tc.writes)
			}
			if got.Load() != body {
				t.Errorf("server read %q, want %q", got.Load(), body)
			}
			if req.Body != orig {
				t.Error("RoundTrip changed the caller's request")
			}
		})
	}
}
