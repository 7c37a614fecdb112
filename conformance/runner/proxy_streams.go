package runner

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// streamRPCs are the RPCs whose response is a stream: the proxy can cut them.
var streamRPCs = []string{"Hold", "Watch"}

// openStreams are a proxy's streaming calls in flight, so a step can cut them.
type openStreams struct {
	mu   sync.Mutex
	next int
	m    map[int]openStream
}

type openStream struct {
	method string
	cancel context.CancelFunc
}

func (s *openStreams) add(method string, cancel context.CancelFunc) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[int]openStream{}
	}
	s.next++
	s.m[s.next] = openStream{method: method, cancel: cancel}
	return s.next
}

func (s *openStreams) remove(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// cutStreams aborts the client's open calls of method: the call towards the service is
// cancelled (the service sees its client gone) and the reverse proxy, its copy failing,
// aborts the client's side (a reset connection or stream, never a clean end). It
// returns how many it cut.
func (p *proxy) cutStreams(method string) int {
	p.streams.mu.Lock()
	defer p.streams.mu.Unlock()
	n := 0
	for _, s := range p.streams.m {
		if s.method == method {
			s.cancel()
			n++
		}
	}
	return n
}

// holdEventKey is the board key counting the Hold events of a kind the service sent a
// client; detail (the waiting holder's owner, the loss reason) narrows it.
func holdEventKey(client, event, detail string) string {
	k := "Hold-event:" + event + ":" + client
	if detail != "" {
		k += ":" + detail
	}
	return k
}

// tapHold makes the proxy count the events of a Hold response as they pass.
func (p *proxy) tapHold(res *http.Response) {
	ct := res.Header.Get("Content-Type")
	enc := res.Header.Get("Connect-Content-Encoding") + res.Header.Get("Grpc-Encoding")
	res.Body = &frameTap{ReadCloser: res.Body, json: strings.HasSuffix(ct, "json"), gzip: enc == "gzip",
		onEvent: func(ev *distlockv1.HoldResponse) {
			var kind, detail string
			switch e := ev.GetEvent().(type) {
			case *distlockv1.HoldResponse_Waiting:
				kind, detail = "waiting", e.Waiting.GetOwner()
			case *distlockv1.HoldResponse_Granted:
				kind = "granted"
			case *distlockv1.HoldResponse_Renewed:
				kind = "renewed"
			case *distlockv1.HoldResponse_Lost:
				kind, detail = "lost", strings.ToLower(strings.TrimPrefix(e.Lost.GetReason().String(), "REASON_"))
			default:
				return
			}
			p.note(holdEventKey(p.client, kind, ""))
			if detail != "" {
				p.note(holdEventKey(p.client, kind, detail))
			}
		}}
}

// frameTap passes a streaming response through unchanged and decodes its messages:
// Connect, gRPC and gRPC-Web all frame them as a flags byte and a 4-byte length. Frames
// flagged end-of-stream (Connect 0x02) or trailers (gRPC-Web 0x80) carry no message.
type frameTap struct {
	io.ReadCloser
	json, gzip bool
	onEvent    func(*distlockv1.HoldResponse)
	buf        []byte
}

func (t *frameTap) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	t.buf = append(t.buf, b[:n]...)
	for len(t.buf) >= 5 {
		size := int(binary.BigEndian.Uint32(t.buf[1:5]))
		if len(t.buf) < 5+size {
			break
		}
		flags, payload := t.buf[0], t.buf[5:5+size]
		if flags&0x82 == 0 {
			t.decode(flags&0x01 != 0, payload)
		}
		t.buf = t.buf[5+size:]
	}
	return n, err
}

// decode reports one message; one it cannot read is not counted (the SDK under test
// reads the same bytes and the case fails on what it makes of them).
func (t *frameTap) decode(compressed bool, payload []byte) {
	if compressed && t.gzip {
		zr, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return
		}
		if payload, err = io.ReadAll(zr); err != nil {
			return
		}
	}
	ev := &distlockv1.HoldResponse{}
	var err error
	if t.json {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(payload, ev)
	} else {
		err = proto.Unmarshal(payload, ev)
	}
	if err == nil {
		t.onEvent(ev)
	}
}

// stallBody passes a streaming response on but for while its method's streams are
// stalled (stall-streams): then what it read is kept back, and the client gets no byte
// and no error, until the rule is cleared (it gets them then) or the client gives up on
// the call (its context ends, which ends the call towards the service too).
type stallBody struct {
	io.ReadCloser
	ctx     context.Context
	stalled func() <-chan struct{}
}

func (s *stallBody) Read(b []byte) (int, error) {
	n, err := s.ReadCloser.Read(b)
	if ch := s.stalled(); ch != nil {
		select {
		case <-ch:
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		}
	}
	return n, err
}

// stallable makes a streaming response subject to the stall-streams rule of its method.
func (p *proxy) stallable(method string, res *http.Response) {
	res.Body = &stallBody{ReadCloser: res.Body, ctx: res.Request.Context(),
		stalled: func() <-chan struct{} { return p.rules.stalled(method) }}
}
