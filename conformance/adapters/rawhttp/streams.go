package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/distlock/distlock/conformance/protocol"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// Hold and Watch are server streams: Connect's streaming protocol with JSON messages, as a
// browser's fetch could speak it. The request body is one enveloped message (a flags byte,
// a 4-byte big-endian length, the JSON); the response is a sequence of them, the last
// flagged end-of-stream (0x02) and carrying {"error": …} when the call failed.

// streamCall is an open server stream.
type streamCall struct {
	body   io.ReadCloser
	r      *bufio.Reader
	cancel context.CancelFunc
	closed atomic.Bool // by the lock's release or reset: the runner no longer listens
}

// openStream posts msg to method and returns the stream, or the error reply of a call
// the service refused before streaming.
func (a *adapter) openStream(base, bearer, method string, msg any) (*streamCall, *pb.Reply) {
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, failure(protocol.CodeUnknown, err.Error())
	}
	env := make([]byte, 5, 5+len(b))
	binary.BigEndian.PutUint32(env[1:], uint32(len(b)))
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+service+method, bytes.NewReader(append(env, b...)))
	if err != nil {
		cancel()
		return nil, failure(protocol.CodeUnknown, err.Error())
	}
	req.Header.Set("Content-Type", "application/connect+json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	// The client's timeout would end the stream: a stream lives until it is cancelled.
	resp, err := (&http.Client{Transport: a.hc.Transport}).Do(req)
	if err != nil {
		cancel()
		return nil, failure(protocol.CodeUnavailable, err.Error())
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e struct{ Code, Message string }
		if json.Unmarshal(b, &e) != nil || e.Code == "" {
			return nil, failure(protocol.CodeUnknown, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, b))
		}
		return nil, failure(e.Code, e.Message)
	}
	return &streamCall{body: resp.Body, r: bufio.NewReader(resp.Body), cancel: cancel}, nil
}

// next decodes the next message into out; at the end of the stream it returns the
// stream's error (a Connect error from the end-of-stream message, or the broken read).
func (s *streamCall) next(out any) *pb.Error {
	var head [5]byte
	if _, err := io.ReadFull(s.r, head[:]); err != nil {
		return &pb.Error{Code: protocol.CodeUnavailable, Message: "stream broke: " + err.Error()}
	}
	b := make([]byte, binary.BigEndian.Uint32(head[1:]))
	if _, err := io.ReadFull(s.r, b); err != nil {
		return &pb.Error{Code: protocol.CodeUnavailable, Message: "stream broke: " + err.Error()}
	}
	if head[0]&0x02 != 0 {
		var end struct {
			Error *struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(b, &end); err != nil {
			return &pb.Error{Code: protocol.CodeUnknown, Message: fmt.Sprintf("bad end of stream %s: %v", b, err)}
		}
		if end.Error == nil {
			return &pb.Error{Code: protocol.CodeUnknown, Message: "the stream ended without an error"}
		}
		return &pb.Error{Code: end.Error.Code, Message: end.Error.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &pb.Error{Code: protocol.CodeUnknown, Message: fmt.Sprintf("bad message %s: %v", b, err)}
	}
	return nil
}

func (s *streamCall) close() {
	s.closed.Store(true)
	s.cancel()
	s.body.Close()
}

// hold opens a Hold stream and answers once it is granted; the stream is then read
// until it ends (ignoring its renewals: this adapter reports no renewal, the runner's
// proxy counts them) and closed by the lock's release or reset.
func (a *adapter) hold(cmd *pb.HoldRequest) *pb.Reply {
	req := map[string]any{"resource": cmd.GetResource()}
	if cmd.GetTtl() != nil {
		req["ttl"] = duration(cmd.GetTtl())
	}
	if cmd.GetWait() != nil {
		req["wait"] = duration(cmd.GetWait())
	}
	if cmd.GetOwner() != "" {
		req["owner"] = cmd.GetOwner()
	}
	if len(cmd.GetData()) > 0 {
		req["data"] = base64.StdEncoding.EncodeToString(cmd.GetData())
	}
	bearer := a.bearerOf(cmd.GetClient())
	s, rep := a.openStream(cmd.GetUrl(), bearer, "Hold", req)
	if rep != nil {
		return rep
	}
	for {
		var ev struct {
			Granted *struct {
				LeaseToken   string `json:"leaseToken"`
				FencingToken string `json:"fencingToken"`
			} `json:"granted"`
			Waiting *jsonHolder `json:"waiting"`
		}
		if e := s.next(&ev); e != nil {
			s.close()
			return &pb.Reply{Error: e}
		}
		if w := ev.Waiting.wire(); w != nil {
			a.event(&pb.Event{Lock: cmd.GetLock(),
				Kind: &pb.Event_Waiting{Waiting: &pb.WaitingEvent{Owner: w.GetOwner(), FencingToken: w.GetFencingToken()}}})
		}
		if g := ev.Granted; g != nil {
			a.mu.Lock()
			a.leases[cmd.GetLock()] = lease{url: cmd.GetUrl(), bearer: bearer, resource: cmd.GetResource(), token: g.LeaseToken}
			a.streams[cmd.GetLock()] = s
			a.mu.Unlock()
			go func() {
				for s.next(&struct{}{}) == nil {
				}
			}()
			fencing, _ := strconv.ParseUint(g.FencingToken, 10, 64)
			return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: fencing}}}
		}
	}
}

// watch opens a Watch stream and sends its events, in order, until it ends or reset
// closes it.
func (a *adapter) watch(cmd *pb.WatchRequest) *pb.Reply {
	s, rep := a.openStream(cmd.GetUrl(), a.bearerOf(cmd.GetClient()), "Watch",
		map[string]any{"resource": cmd.GetResource(), "prefix": cmd.GetPrefix()})
	if rep != nil {
		return rep
	}
	a.mu.Lock()
	a.streams["watch:"+cmd.GetWatch()] = s
	a.mu.Unlock()
	go func() {
		for {
			var ev struct {
				Kind     string      `json:"kind"`
				Resource string      `json:"resource"`
				Holder   *jsonHolder `json:"holder"`
				Previous *jsonHolder `json:"previous"`
			}
			e := s.next(&ev)
			w := &pb.WatchEvent{Kind: "ended", Error: e}
			if e == nil {
				w = &pb.WatchEvent{Kind: strings.ToLower(strings.TrimPrefix(ev.Kind, "KIND_")), Resource: ev.Resource,
					Holder: ev.Holder.wire(), Previous: ev.Previous.wire()}
			}
			if !a.sendWatch(cmd.GetWatch(), s, w) || e != nil {
				return
			}
		}
	}()
	return &pb.Reply{}
}

// jsonHolder is a Holder as protobuf's JSON mapping writes it.
type jsonHolder struct {
	Owner        string `json:"owner"`
	FencingToken string `json:"fencingToken"`
}

func (h *jsonHolder) wire() *pb.WatchHolder {
	if h == nil {
		return nil
	}
	fencing, _ := strconv.ParseUint(h.FencingToken, 10, 64)
	return &pb.WatchHolder{Owner: h.Owner, FencingToken: fencing}
}

// sendWatch sends a watch's event unless its stream was closed; it reports whether the
// stream is still open.
func (a *adapter) sendWatch(name string, s *streamCall, w *pb.WatchEvent) bool {
	if s.closed.Load() {
		return false
	}
	a.event(&pb.Event{Lock: name, Kind: &pb.Event_Watch{Watch: w}})
	return true
}

// event sends ev to the runner.
func (a *adapter) event(ev *pb.Event) {
	_ = a.out.Write(&pb.AdapterResponse{Kind: &pb.AdapterResponse_Event{Event: ev}})
}

// closeStream closes the named stream (a hold's, at its release), if there is one.
func (a *adapter) closeStream(name string) {
	a.mu.Lock()
	s := a.streams[name]
	delete(a.streams, name)
	a.mu.Unlock()
	if s != nil {
		s.close()
	}
}
