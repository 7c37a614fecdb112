package runner

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

func frame(flags byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[0] = flags
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

// TestFrameTapReadsHoldEvents checks that the proxy's tap finds every Hold event in a
// stream read a byte at a time, compressed or not, and skips end-of-stream frames, while
// passing the bytes on unchanged.
func TestFrameTapReadsHoldEvents(t *testing.T) {
	waiting, _ := proto.Marshal(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Waiting{Waiting: &distlockv1.HoldWaiting{Owner: "first"}}})
	renewed, _ := proto.Marshal(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Renewed{Renewed: &distlockv1.HoldRenewed{}}})
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(renewed)
	_ = zw.Close()
	stream := bytes.Join([][]byte{frame(0, waiting), frame(1, zipped.Bytes()), frame(2, []byte(`{"error":{"code":"not_found"}}`))}, nil)

	var got []string
	tap := &frameTap{ReadCloser: io.NopCloser(iotest.OneByteReader(bytes.NewReader(stream))), gzip: true,
		onEvent: func(ev *distlockv1.HoldResponse) {
			got = append(got, string(ev.ProtoReflect().WhichOneof(ev.ProtoReflect().Descriptor().Oneofs().ByName("event")).Name())+":"+ev.GetWaiting().GetOwner())
		}}
	passed, err := io.ReadAll(tap)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(passed, stream) {
		t.Error("the tap changed the bytes it passed on")
	}
	if want := []string{"waiting:first", "renewed:"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}

	// JSON messages (Connect's JSON codec) too.
	lost, _ := protojson.Marshal(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Lost{Lost: &distlockv1.HoldLost{Reason: distlockv1.HoldLost_REASON_NOT_HELD}}})
	got = nil
	tap = &frameTap{ReadCloser: io.NopCloser(bytes.NewReader(frame(0, lost))), json: true, onEvent: func(ev *distlockv1.HoldResponse) {
		got = append(got, ev.GetLost().GetReason().String())
	}}
	_, _ = io.ReadAll(tap)
	if want := []string{"REASON_NOT_HELD"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestWriteErrorConnectStream checks that an error the proxy injects into a Connect
// stream is what the service would send: 200 in the request's codec, then an
// end-of-stream message with the error (a unary-style 503 makes SDKs report "no answer").
func TestWriteErrorConnectStream(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/Hold", nil)
	r.Header.Set("Content-Type", "application/connect+proto")
	w := httptest.NewRecorder()
	writeError(w, r, "unavailable", "down")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/connect+proto" {
		t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	b := w.Body.Bytes()
	if len(b) < 5 || b[0] != 0x02 || int(binary.BigEndian.Uint32(b[1:5])) != len(b)-5 {
		t.Fatalf("not one end-of-stream frame: %q", b)
	}
	var end struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(b[5:], &end); err != nil || end.Error.Code != "unavailable" || end.Error.Message != "down" {
		t.Errorf("end of stream %s (%v)", b[5:], err)
	}
}

// TestStallBodyKeepsBytesBack checks the stall-streams rule on a stream already open:
// while stalled, a read returns nothing (it blocks); once healed, the bytes read meanwhile
// arrive; a client that gives up ends the read with its context's error.
func TestStallBodyKeepsBytesBack(t *testing.T) {
	var rs rules
	rs.set("Hold", func(ru *rule) { ru.stall = true })
	body := &stallBody{ReadCloser: io.NopCloser(bytes.NewReader([]byte("renewed"))), ctx: t.Context(),
		stalled: func() <-chan struct{} { return rs.stalled("Hold") }}
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(body)
		got <- string(b)
	}()
	// A broken stall passes the bytes on within microseconds; a tenth of a second
	// without them is the stall holding.
	select {
	case b := <-got:
		t.Fatalf("a stalled stream passed %q on", b)
	case <-time.After(100 * time.Millisecond):
	}
	rs.clear()
	if b := <-got; b != "renewed" {
		t.Fatalf("after healing the stream passed %q, want what it held back", b)
	}

	ctx, cancel := context.WithCancel(t.Context())
	rs.set("Hold", func(ru *rule) { ru.stall = true })
	defer rs.clear()
	body = &stallBody{ReadCloser: io.NopCloser(bytes.NewReader([]byte("renewed"))), ctx: ctx,
		stalled: func() <-chan struct{} { return rs.stalled("Hold") }}
	cancel()
	if n, err := body.Read(make([]byte, 16)); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("a given-up stalled read returned %d, %v", n, err)
	}
}
