package runner

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// capWait rewrites an Acquire request's wait to at most limit, in whichever encoding
// the request uses: Connect unary (proto or JSON body) or gRPC (one length-prefixed
// message). A gzipped Connect body (the Python SDK's default) is passed on uncompressed;
// compressed gRPC messages are refused: no SDK sends them.
func capWait(r *http.Request, limit time.Duration) error {
	if e := r.Header.Get("Grpc-Encoding"); e != "" && e != "identity" {
		return errors.New("cap-wait cannot rewrite a compressed gRPC message")
	}
	var in io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "", "identity":
	case "gzip":
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			return err
		}
		in = z
		r.Header.Del("Content-Encoding")
	default:
		return errors.New("cap-wait cannot rewrite a request in " + r.Header.Get("Content-Encoding"))
	}
	body, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	grpc := strings.HasPrefix(ct, "application/grpc")
	msg := body
	if grpc {
		if len(body) < 5 {
			return errors.New("short gRPC message")
		}
		msg = body[5:]
	}
	req := &distlockv1.AcquireRequest{}
	json := strings.Contains(ct, "json")
	if json {
		err = protojson.Unmarshal(msg, req)
	} else {
		err = proto.Unmarshal(msg, req)
	}
	if err != nil {
		return err
	}
	if req.GetWait().AsDuration() > limit {
		req.Wait = durationpb.New(limit)
	}
	if json {
		msg, err = protojson.Marshal(req)
	} else {
		msg, err = proto.Marshal(req)
	}
	if err != nil {
		return err
	}
	if grpc {
		msg = append([]byte{0, 0, 0, 0, 0}, msg...)
		binary.BigEndian.PutUint32(msg[1:5], uint32(len(msg)-5))
	}
	r.Body = io.NopCloser(bytes.NewReader(msg))
	r.ContentLength = int64(len(msg))
	r.Header.Set("Content-Length", strconv.Itoa(len(msg)))
	return nil
}
