package runner

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestCapWait checks that cap-wait lowers an Acquire's wait in every encoding an SDK or a
// browser sends, and leaves a shorter wait alone.
func TestCapWait(t *testing.T) {
	msg := func(wait time.Duration) *distlockv1.AcquireRequest {
		return &distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(wait)}
	}
	bin := func(m *distlockv1.AcquireRequest) []byte { b, _ := proto.Marshal(m); return b }
	encodings := []struct {
		name, contentType, encoding string
		encode                      func(*distlockv1.AcquireRequest) []byte
		decode                      func([]byte) []byte
	}{
		{"connect proto", "application/proto", "", bin, nil},
		{"connect json", "application/json", "", func(m *distlockv1.AcquireRequest) []byte { b, _ := protojson.Marshal(m); return b }, nil},
		{"connect gzip", "application/proto", "gzip", func(m *distlockv1.AcquireRequest) []byte {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			_, _ = w.Write(bin(m))
			_ = w.Close()
			return z.Bytes()
		}, nil},
		{"grpc", "application/grpc", "", func(m *distlockv1.AcquireRequest) []byte {
			b := bin(m)
			return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(b))), b...)
		}, func(b []byte) []byte { return b[5:] }},
	}
	for _, e := range encodings {
		for _, tc := range []struct{ asked, want time.Duration }{{30 * time.Second, time.Second}, {500 * time.Millisecond, 500 * time.Millisecond}} {
			r := httptest.NewRequest("POST", "/distlock.v1.LockService/Acquire", bytes.NewReader(e.encode(msg(tc.asked))))
			r.Header.Set("Content-Type", e.contentType)
			if e.encoding != "" {
				r.Header.Set("Content-Encoding", e.encoding)
			}
			if err := capWait(r, time.Second); err != nil {
				t.Fatalf("%s: %v", e.name, err)
			}
			body, _ := io.ReadAll(r.Body)
			if int64(len(body)) != r.ContentLength || r.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: length %d, header %d, encoding %q", e.name, len(body), r.ContentLength, r.Header.Get("Content-Encoding"))
			}
			if e.decode != nil {
				body = e.decode(body)
			}
			got := &distlockv1.AcquireRequest{}
			if e.contentType == "application/json" {
				_ = protojson.Unmarshal(body, got)
			} else if err := proto.Unmarshal(body, got); err != nil {
				t.Fatalf("%s: %v", e.name, err)
			}
			if got.GetWait().AsDuration() != tc.want || got.GetResource() != "r" {
				t.Errorf("%s: asked %v, sent on %v for %q; want %v", e.name, tc.asked, got.GetWait().AsDuration(), got.GetResource(), tc.want)
			}
		}
	}
}
