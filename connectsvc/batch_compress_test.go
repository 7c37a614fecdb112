package connectsvc_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// compressedFrames counts, in the responses a client reads, the messages sent
// compressed: Connect, gRPC and gRPC-Web frame each as a flags byte (bit 0: compressed)
// and a 4-byte length.
type compressedFrames struct {
	http.RoundTripper
	mu       sync.Mutex
	frames   int
	compress int
}

func (c *compressedFrames) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.RoundTripper.RoundTrip(r)
	if err == nil {
		res.Body = &frameCounter{ReadCloser: res.Body, c: c}
	}
	return res, err
}

type frameCounter struct {
	io.ReadCloser
	c   *compressedFrames
	buf []byte
}

func (f *frameCounter) Read(b []byte) (int, error) {
	n, err := f.ReadCloser.Read(b)
	f.buf = append(f.buf, b[:n]...)
	for len(f.buf) >= 5 {
		size := int(binary.BigEndian.Uint32(f.buf[1:5]))
		if len(f.buf) < 5+size {
			break
		}
		f.c.mu.Lock()
		f.c.frames++
		if f.buf[0]&0x01 != 0 {
			f.c.compress++
		}
		f.c.mu.Unlock()
		f.buf = f.buf[5+size:]
	}
	return n, err
}

// TestBatchResultsAreNotCompressed: a client that accepts gzip (every Connect client
// does by default) gets a large batch's results uncompressed, over every protocol that
// streams: gzip costs more CPU than the few bytes it saves are worth (see batchHandler).
func TestBatchResultsAreNotCompressed(t *testing.T) {
	for _, p := range streamProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			hc := e.http1
			if p.h2c {
				hc = e.h2c
			}
			rec := &compressedFrames{RoundTripper: hc.Transport}
			c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: rec}, e.url, p.opts...)
			var calls []*distlockv1.BatchCall
			for i := range 64 { // about 5 KB of results, well over the service's gzip threshold
				calls = append(calls, acquireCall(fmt.Sprint("compress/", i), 0))
			}
			results, _, err := batchResults(t, c, calls...)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(calls) {
				t.Fatalf("%d results for %d calls", len(results), len(calls))
			}
			if rec.frames == 0 || rec.compress != 0 {
				t.Errorf("%d of %d response frames compressed, want none", rec.compress, rec.frames)
			}
		})
	}
}
