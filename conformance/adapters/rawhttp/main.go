// Command rawhttp is the conformance adapter of the service's plain HTTP JSON interface,
// as a browser or curl sees it without an SDK: Connect's unary protocol with JSON bodies,
// POST for changes and GET for Info and Read. It uses no generated code and no SDK, and
// it does not renew locks (there is no SDK to do it), so cases that need renewal are not
// applicable to it. It sends what it is given, with no client-side checks, so the
// service's own validation answers.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/distlock/distlock/conformance/adapters/goadapter"
	"github.com/distlock/distlock/conformance/protocol"
)

const service = "/distlock.v1.LockService/"

type adapter struct {
	hc *http.Client
	mu sync.Mutex
	// leases maps lock names to what Extend and Release need.
	leases map[string]lease
}

type lease struct{ url, resource, token string }

func main() {
	out := goadapter.NewWriter(os.Stdout)
	a := &adapter{hc: &http.Client{Timeout: 5 * time.Minute}, leases: map[string]lease{}}
	if err := goadapter.Serve(os.Stdin, out, a); err != nil {
		fmt.Fprintln(os.Stderr, "rawhttp adapter:", err)
		os.Exit(1)
	}
}

func (a *adapter) Handle(cmd protocol.Command) protocol.Reply {
	switch cmd.Op {
	case protocol.OpHello:
		return protocol.Reply{OK: true, Target: "raw-http", Caps: []string{protocol.CapWire}}
	case protocol.OpAcquire:
		return a.acquire(cmd)
	case protocol.OpExtend, protocol.OpRelease:
		a.mu.Lock()
		l, ok := a.leases[cmd.Lock]
		a.mu.Unlock()
		if !ok {
			return protocol.Reply{Code: protocol.CodeUnknown, Message: "adapter: no lock named " + cmd.Lock}
		}
		token := l.token
		if cmd.LeaseToken != nil {
			token = *cmd.LeaseToken
		}
		req := map[string]any{"resource": l.resource}
		if token != "" {
			req["leaseToken"] = token
		}
		if cmd.Op == protocol.OpExtend && cmd.TTLMS != nil {
			req["ttl"] = duration(*cmd.TTLMS)
		}
		method := "Extend"
		if cmd.Op == protocol.OpRelease {
			method = "Release"
		}
		var resp struct {
			FencingToken string `json:"fencingToken"`
		}
		if rep, ok := a.post(l.url, method, req, &resp); !ok {
			return rep
		}
		return protocol.Reply{OK: true, Fencing: resp.FencingToken}
	case protocol.OpInfo:
		var resp struct {
			Owner        string    `json:"owner"`
			FencingToken string    `json:"fencingToken"`
			LockTime     time.Time `json:"lockTime"`
			ExpireTime   time.Time `json:"expireTime"`
		}
		if rep, ok := a.get(cmd.URL, "Info", cmd.Resource, &resp); !ok {
			return rep
		}
		return protocol.Reply{OK: true, Owner: resp.Owner, Fencing: resp.FencingToken,
			LockTimeMS: resp.LockTime.UnixMilli(), ExpireTimeMS: resp.ExpireTime.UnixMilli()}
	case protocol.OpRead:
		var resp struct {
			Data string `json:"data"`
		}
		if rep, ok := a.get(cmd.URL, "Read", cmd.Resource, &resp); !ok {
			return rep
		}
		return protocol.Reply{OK: true, Data: resp.Data}
	case protocol.OpReset:
		a.mu.Lock()
		leases := a.leases
		a.leases = map[string]lease{}
		a.mu.Unlock()
		for _, l := range leases {
			// Leases a case left behind; not_found is expected for most of them.
			a.post(l.url, "Release", map[string]any{"resource": l.resource, "leaseToken": l.token}, nil)
		}
		return protocol.Reply{OK: true}
	}
	return protocol.Reply{Code: protocol.CodeUnknown, Message: "unsupported op " + cmd.Op}
}

func (a *adapter) acquire(cmd protocol.Command) protocol.Reply {
	req := map[string]any{"resource": cmd.Resource}
	if cmd.TTLMS != nil {
		req["ttl"] = duration(*cmd.TTLMS)
	}
	if cmd.WaitMS != nil {
		req["wait"] = duration(*cmd.WaitMS)
	}
	if cmd.Owner != "" {
		req["owner"] = cmd.Owner
	}
	if cmd.Data != "" {
		req["data"] = cmd.Data // base64, as protobuf's JSON mapping writes bytes
	}
	var resp struct {
		LeaseToken   string `json:"leaseToken"`
		FencingToken string `json:"fencingToken"`
	}
	if rep, ok := a.post(cmd.URL, "Acquire", req, &resp); !ok {
		return rep
	}
	a.mu.Lock()
	a.leases[cmd.Lock] = lease{url: cmd.URL, resource: cmd.Resource, token: resp.LeaseToken}
	a.mu.Unlock()
	return protocol.Reply{OK: true, Fencing: resp.FencingToken}
}

// duration writes milliseconds as a protobuf JSON Duration ("1.500s").
func duration(ms int64) string {
	return fmt.Sprintf("%.3fs", float64(ms)/1000)
}

func (a *adapter) post(base, method string, body, out any) (protocol.Reply, bool) {
	b, err := json.Marshal(body)
	if err != nil {
		return protocol.Reply{Code: protocol.CodeUnknown, Message: err.Error()}, false
	}
	req, err := http.NewRequest(http.MethodPost, base+service+method, bytes.NewReader(b))
	if err != nil {
		return protocol.Reply{Code: protocol.CodeUnknown, Message: err.Error()}, false
	}
	req.Header.Set("Content-Type", "application/json")
	return a.do(req, out)
}

// get sends a Connect GET request, the form a browser may cache for side-effect-free
// methods: the message is JSON in the query string.
func (a *adapter) get(base, method, resource string, out any) (protocol.Reply, bool) {
	msg, _ := json.Marshal(map[string]string{"resource": resource})
	q := url.Values{"encoding": {"json"}, "message": {string(msg)}, "connect": {"v1"}}
	req, err := http.NewRequest(http.MethodGet, base+service+method+"?"+q.Encode(), nil)
	if err != nil {
		return protocol.Reply{Code: protocol.CodeUnknown, Message: err.Error()}, false
	}
	return a.do(req, out)
}

func (a *adapter) do(req *http.Request, out any) (protocol.Reply, bool) {
	resp, err := a.hc.Do(req)
	if err != nil {
		return protocol.Reply{Code: protocol.CodeUnavailable, Message: err.Error()}, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return protocol.Reply{Code: protocol.CodeUnavailable, Message: err.Error()}, false
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		if json.Unmarshal(b, &e) != nil || e.Code == "" {
			return protocol.Reply{Code: protocol.CodeUnknown, Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, b)}, false
		}
		return protocol.Reply{Code: e.Code, Message: e.Message}, false
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return protocol.Reply{Code: protocol.CodeUnknown, Message: fmt.Sprintf("bad response %s: %v", b, err)}, false
		}
	}
	return protocol.Reply{}, true
}
