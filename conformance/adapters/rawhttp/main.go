// Command rawhttp is the conformance adapter of the service's plain HTTP JSON interface,
// as a browser or curl sees it without an SDK: Connect's unary protocol with JSON bodies,
// POST for changes and GET for Info and Read. It uses no generated code and no SDK, and
// it does not renew locks (there is no SDK to do it), so cases that need renewal are not
// applicable to it. (Only the adapter protocol's messages are generated code.) It sends
// what it is given, with no client-side checks, so the service's own validation answers.
// Hold and Watch speak Connect's streaming protocol with JSON messages (streams.go).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

const service = "/distlock.v1.LockService/"

type adapter struct {
	hc  *http.Client
	out *protocol.Writer
	mu  sync.Mutex
	// leases maps lock names to what Extend and Release need.
	leases map[string]lease
	// bearer maps client names to the token new-client gave them.
	bearer map[string]string
	// streams are the open Hold streams by lock name, and Watch streams by "watch:" and
	// the watch's name.
	streams map[string]*streamCall
}

// lease is what Extend and Release of a lock need: the service, the client's bearer
// token, the resource and the lease token.
type lease struct{ url, bearer, resource, token string }

func main() {
	out := protocol.NewWriter(os.Stdout)
	a := &adapter{hc: &http.Client{Timeout: 5 * time.Minute}, out: out, leases: map[string]lease{}, bearer: map[string]string{},
		streams: map[string]*streamCall{}}
	if err := goadapter.Serve(os.Stdin, out, a); err != nil {
		fmt.Fprintln(os.Stderr, "rawhttp adapter:", err)
		os.Exit(1)
	}
}

func failure(code, msg string) *pb.Reply {
	return &pb.Reply{Error: &pb.Error{Code: code, Message: msg}}
}

func (a *adapter) Handle(req *pb.AdapterRequest) *pb.Reply {
	switch op := req.GetOp().(type) {
	case *pb.AdapterRequest_Hello:
		return &pb.Reply{Result: &pb.Reply_Hello{Hello: &pb.HelloResult{Target: "raw-http", Capabilities: []string{protocol.CapWire, protocol.CapHold, protocol.CapWatch}}}}
	case *pb.AdapterRequest_NewClient:
		a.mu.Lock()
		a.bearer[op.NewClient.GetClient()] = op.NewClient.GetToken()
		a.mu.Unlock()
		return &pb.Reply{}
	case *pb.AdapterRequest_Acquire:
		return a.acquire(op.Acquire)
	case *pb.AdapterRequest_Extend:
		return a.change("Extend", op.Extend.GetLock(), op.Extend.LeaseToken, op.Extend.GetTtl())
	case *pb.AdapterRequest_Release:
		// A hold's stream ends after its release, as the SDKs do it: the lease is free
		// when Release answers.
		defer a.closeStream(op.Release.GetLock())
		return a.change("Release", op.Release.GetLock(), op.Release.LeaseToken, nil)
	case *pb.AdapterRequest_Hold:
		return a.hold(op.Hold)
	case *pb.AdapterRequest_Watch:
		return a.watch(op.Watch)
	case *pb.AdapterRequest_Info:
		var resp struct {
			Owner        string    `json:"owner"`
			FencingToken string    `json:"fencingToken"`
			LockTime     time.Time `json:"lockTime"`
			ExpireTime   time.Time `json:"expireTime"`
		}
		if rep := a.get(op.Info.GetUrl(), a.bearerOf(op.Info.GetClient()), "Info", op.Info.GetResource(), &resp); rep != nil {
			return rep
		}
		fencing, _ := strconv.ParseUint(resp.FencingToken, 10, 64)
		return &pb.Reply{Result: &pb.Reply_Info{Info: &pb.InfoResult{Owner: resp.Owner, FencingToken: fencing,
			LockTime: timestamppb.New(resp.LockTime), ExpireTime: timestamppb.New(resp.ExpireTime)}}}
	case *pb.AdapterRequest_Read:
		var resp struct {
			Data []byte `json:"data"` // base64, as protobuf's JSON mapping writes bytes
		}
		if rep := a.get(op.Read.GetUrl(), a.bearerOf(op.Read.GetClient()), "Read", op.Read.GetResource(), &resp); rep != nil {
			return rep
		}
		return &pb.Reply{Result: &pb.Reply_Read{Read: &pb.ReadResult{Data: resp.Data}}}
	case *pb.AdapterRequest_Reset_:
		a.mu.Lock()
		leases, streams := a.leases, a.streams
		a.leases = map[string]lease{}
		a.bearer = map[string]string{}
		a.streams = map[string]*streamCall{}
		a.mu.Unlock()
		for _, s := range streams {
			s.close()
		}
		for _, l := range leases {
			// Leases a case left behind; not_found is expected for most of them.
			a.post(l.url, l.bearer, "Release", map[string]any{"resource": l.resource, "leaseToken": l.token}, nil)
		}
		return &pb.Reply{}
	}
	return failure(protocol.CodeUnknown, "unsupported op")
}

// change sends Extend or Release of a named lock, with the given token instead of its
// own when token is set.
func (a *adapter) change(method, lock string, token *string, ttl *durationpb.Duration) *pb.Reply {
	a.mu.Lock()
	l, ok := a.leases[lock]
	a.mu.Unlock()
	if !ok {
		return failure(protocol.CodeUnknown, "adapter: no lock named "+lock)
	}
	tok := l.token
	if token != nil {
		tok = *token
	}
	req := map[string]any{"resource": l.resource}
	if tok != "" {
		req["leaseToken"] = tok
	}
	if ttl != nil {
		req["ttl"] = duration(ttl)
	}
	var resp struct {
		FencingToken string `json:"fencingToken"`
	}
	if rep := a.post(l.url, l.bearer, method, req, &resp); rep != nil {
		return rep
	}
	fencing, _ := strconv.ParseUint(resp.FencingToken, 10, 64)
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: fencing}}}
}

func (a *adapter) acquire(cmd *pb.AcquireRequest) *pb.Reply {
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
	var resp struct {
		LeaseToken   string `json:"leaseToken"`
		FencingToken string `json:"fencingToken"`
	}
	bearer := a.bearerOf(cmd.GetClient())
	if rep := a.post(cmd.GetUrl(), bearer, "Acquire", req, &resp); rep != nil {
		return rep
	}
	a.mu.Lock()
	a.leases[cmd.GetLock()] = lease{url: cmd.GetUrl(), bearer: bearer, resource: cmd.GetResource(), token: resp.LeaseToken}
	a.mu.Unlock()
	fencing, _ := strconv.ParseUint(resp.FencingToken, 10, 64)
	return &pb.Reply{Result: &pb.Reply_Lock{Lock: &pb.LockResult{FencingToken: fencing}}}
}

// duration writes a duration as protobuf JSON does ("1.500s"), by hand: this adapter
// sends what a browser would.
func duration(d *durationpb.Duration) string {
	return fmt.Sprintf("%.3fs", d.AsDuration().Seconds())
}

func (a *adapter) post(base, bearer, method string, body, out any) *pb.Reply {
	b, err := json.Marshal(body)
	if err != nil {
		return failure(protocol.CodeUnknown, err.Error())
	}
	req, err := http.NewRequest(http.MethodPost, base+service+method, bytes.NewReader(b))
	if err != nil {
		return failure(protocol.CodeUnknown, err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	return a.do(req, bearer, out)
}

// get sends a Connect GET request, the form a browser may cache for side-effect-free
// methods: the message is JSON in the query string.
func (a *adapter) get(base, bearer, method, resource string, out any) *pb.Reply {
	msg, _ := json.Marshal(map[string]string{"resource": resource})
	q := url.Values{"encoding": {"json"}, "message": {string(msg)}, "connect": {"v1"}}
	req, err := http.NewRequest(http.MethodGet, base+service+method+"?"+q.Encode(), nil)
	if err != nil {
		return failure(protocol.CodeUnknown, err.Error())
	}
	return a.do(req, bearer, out)
}

// do sends req, with "Authorization: Bearer <bearer>" unless bearer is empty, and
// decodes a successful answer into out; it returns the error reply of a failed call, nil
// on success.
func (a *adapter) do(req *http.Request, bearer string, out any) *pb.Reply {
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return failure(protocol.CodeUnavailable, err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return failure(protocol.CodeUnavailable, err.Error())
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		if json.Unmarshal(b, &e) != nil || e.Code == "" {
			return failure(protocol.CodeUnknown, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, b))
		}
		return failure(e.Code, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return failure(protocol.CodeUnknown, fmt.Sprintf("bad response %s: %v", b, err))
		}
	}
	return nil
}

func (a *adapter) bearerOf(client string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bearer[client]
}
