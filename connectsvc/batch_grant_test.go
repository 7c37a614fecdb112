package connectsvc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// TestBatchGrantToAClientThatLeftIsReleased: a grant decided while the client is there,
// whose message is about to be sent when the client leaves, is released at once and
// counted as abandoned, over HTTP/1.1, gRPC over h2c and gRPC-Web. The call that did not
// grant anything is not released.
func TestBatchGrantToAClientThatLeftIsReleased(t *testing.T) {
	for _, p := range []protocol{protocols[0], protocols[4], protocols[5]} {
		t.Run(p.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := newEnv(t, nil, connectsvc.WithBeforeGrantReply(func(serverCtx context.Context) {
				cancel()           // the client leaves just as its grant is to be sent
				<-serverCtx.Done() // and the server has seen it go
			}))
			s, err := e.client(p).Batch(ctx, connect.NewRequest(&distlockv1.BatchRequest{Calls: []*distlockv1.BatchCall{
				acquireCall("r", 0), releaseCall("other", "t")}}))
			if err == nil {
				for s.Receive() {
					t.Fatalf("the client got %v after it left", s.Msg())
				}
				err = s.Err()
				s.Close()
			}
			if connect.CodeOf(err) != connect.CodeCanceled {
				t.Fatalf("stream end: %v, want canceled", err)
			}
			for path := <-e.served; !strings.HasSuffix(path, "/Batch"); path = <-e.served {
			}
			if n := e.spy.called("Release"); n != 2 { // the batch's own, and the abandoned grant's
				t.Fatalf("%d releases, want 2", n)
			}
			if _, err := e.spy.Lessor.Info(context.Background(), "r"); !errors.Is(err, driver.ErrNotHeld) {
				t.Fatalf("the grant of a client that left is still held: %v", err)
			}
			if _, body := do(t, e.http1, mustGet(t, e.url+"/metrics")); !strings.Contains(body, "distlock_abandoned_grants_total 1") {
				t.Fatalf("the abandoned grant is not counted:\n%s", body)
			}
		})
	}
}

// failingFlush is a ResponseWriter whose flushes fail, as a connection reset does: the
// bytes of a message may sit in its buffer, but they never reach the client.
type failingFlush struct {
	header http.Header
	body   bytes.Buffer
}

func (f *failingFlush) Header() http.Header         { return f.header }
func (f *failingFlush) WriteHeader(int)             {}
func (f *failingFlush) Write(p []byte) (int, error) { return f.body.Write(p) }
func (f *failingFlush) FlushError() error           { return errors.New("connection reset by peer") }

// TestBatchUnflushedGrantIsReleased: connect ignores a failed flush after a stream's
// message; a grant in a message that could not be flushed is released all the same.
func TestBatchUnflushedGrantIsReleased(t *testing.T) {
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	h := connectsvc.New(store).Handler()
	msg, err := proto.Marshal(&distlockv1.BatchRequest{Calls: []*distlockv1.BatchCall{acquireCall("r", 0)}})
	if err != nil {
		t.Fatal(err)
	}
	body := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg))) // a Connect envelope
	req := httptest.NewRequest(http.MethodPost, distlockv1connect.LockServiceBatchProcedure, bytes.NewReader(append(body, msg...)))
	req.Header.Set("Content-Type", "application/connect+proto")
	w := &failingFlush{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.body.Len() == 0 {
		t.Fatal("nothing was written: the test does not show what it should")
	}
	if _, err := store.Info(context.Background(), "r"); !errors.Is(err, driver.ErrNotHeld) {
		t.Fatalf("a grant whose message was never flushed is still held: %v", err)
	}
}
