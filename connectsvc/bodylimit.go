package connectsvc

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// envelopeSlack is what a request body may carry beyond one message of the read limit:
// the 5-byte prefix of a gRPC or gRPC-Web envelope, and room for a compressed message
// to be a little larger than its content.
const envelopeSlack = 1 << 10

// limitBody cuts a request body as soon as it passes what one message of max bytes can
// take. connect rejects a larger message but then reads the rest of the body, to keep the
// connection, so a client announcing 100 MB held a connection and a goroutine for as long
// as it kept sending; http.MaxBytesReader fails the read at the limit and closes the
// connection after the answer instead.
//
// Reflection is the one stream whose body carries many messages (a tool asks for one
// file after another), so it keeps connect's per-message limit only. A Batch's message
// is many calls: its limit is the client policy's max_batch_bytes, in either encoding.
func limitBody(max int, next http.Handler) http.Handler {
	limit := int64(max) + envelopeSlack
	batchLimit := int64(distlockv1policy.MaxBatchBytes) + envelopeSlack
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && !strings.HasPrefix(r.URL.Path, reflectionPrefix) {
			if r.URL.Path == distlockv1connect.LockServiceBatchProcedure {
				r.Body = http.MaxBytesReader(w, r.Body, batchLimit)
			} else {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// reflectionPrefix starts the paths of both versions of server reflection.
const reflectionPrefix = "/grpc.reflection."

// limitedGzip is connect's gzip decompressor, except that it fails once it has produced
// more than max bytes. connect stops copying at its read limit, then inflates the rest of
// the message only to count its size: a 256 KiB body of zeros inflates to about 250 MB.
type limitedGzip struct {
	gzip.Reader
	max, n int64
}

func gzipWithLimit(max int) connect.HandlerOption {
	return connect.WithCompression("gzip",
		func() connect.Decompressor { return &limitedGzip{max: int64(max)} },
		func() connect.Compressor { return gzip.NewWriter(io.Discard) })
}

func (z *limitedGzip) Reset(r io.Reader) error {
	z.n = 0
	return z.Reader.Reset(r)
}

func (z *limitedGzip) Read(p []byte) (int, error) {
	if z.n > z.max {
		return 0, fmt.Errorf("the decompressed message passed the %d-byte limit", z.max)
	}
	n, err := z.Reader.Read(p)
	z.n += int64(n)
	return n, err
}
