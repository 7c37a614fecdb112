package connectsvc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/redlock"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// redlockOverMiniredis returns Redlock over three fresh in-process Redis servers.
func redlockOverMiniredis(t *testing.T) (*redlock.Client, []*miniredis.Miniredis) {
	t.Helper()
	nodes := make([]*miniredis.Miniredis, 3)
	addrs := make([]string, 3)
	for i := range nodes {
		nodes[i] = miniredis.RunT(t)
		addrs[i] = nodes[i].Addr()
	}
	l, err := redlock.New(addrs, redlock.WithQuarantine(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, nodes
}

// redisState is every key and value on every node.
func redisState(nodes []*miniredis.Miniredis) string {
	var b strings.Builder
	for i, n := range nodes {
		fmt.Fprintf(&b, "node %d: %d keys\n%s", i, len(n.Keys()), n.Dump())
	}
	return b.String()
}

type badInput struct {
	name        string
	method      string // default POST
	procedure   string // method name, e.g. "Acquire"
	contentType string // default application/json
	body        string
	query       string // for GET
	wantStatus  int
	wantCode    string // connect code in the JSON error body; "" when the status says it all
	// reachesLessor marks the rows that are valid input about a lease that is not held:
	// the lessor must be asked, and must write nothing.
	reachesLessor bool
}

// TestBadInputIsRejectedCleanly sends malformed, out-of-bounds and unauthorised requests
// as curl would and checks for each: the right code, no panic, and nothing written to Redis
// (the miniredis servers' contents are unchanged; validation failures reach no lessor).
func TestBadInputIsRejectedCleanly(t *testing.T) {
	backend, nodes := redlockOverMiniredis(t)
	logs := newLogSink()
	e := newEnv(t, backend, connectsvc.WithTTLBounds(5*time.Second, 5*time.Minute), connectsvc.WithLogger(slogNew(logs)))

	// A lock held by someone else, for the "another holder's token" rows.
	held, err := e.client(protocols[0]).Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "held"}))
	if err != nil {
		t.Fatal(err)
	}
	heldToken := held.Msg.GetLeaseToken()
	wrongToken := strings.Repeat("x", len(heldToken))

	long := func(n int) string { return strings.Repeat("r", n) }
	jsonBody := func(fields string) string { return "{" + fields + "}" }
	const inv = "invalid_argument"

	rows := []badInput{
		{name: "no resource", procedure: "Acquire", body: `{}`, wantStatus: 400, wantCode: inv},
		{name: "empty resource", procedure: "Acquire", body: `{"resource":""}`, wantStatus: 400, wantCode: inv},
		{name: "resource over 1024 bytes", procedure: "Acquire", body: jsonBody(`"resource":"` + long(1025) + `"`), wantStatus: 400, wantCode: inv},
		{name: "resource not UTF-8 (binary)", procedure: "Acquire", contentType: "application/proto", body: "\x0a\x02\xff\xfe", wantStatus: 400, wantCode: inv},
		{name: "resource lone surrogate", procedure: "Acquire", body: `{"resource":"\udc00"}`, wantStatus: 400, wantCode: inv},
		{name: "resource a number", procedure: "Acquire", body: `{"resource":5}`, wantStatus: 400, wantCode: inv},
		{name: "ttl below minimum", procedure: "Acquire", body: `{"resource":"r","ttl":"4s"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl above core maximum", procedure: "Acquire", body: `{"resource":"r","ttl":"11m"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl above server maximum", procedure: "Acquire", body: `{"resource":"r","ttl":"6m"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl zero", procedure: "Acquire", body: `{"resource":"r","ttl":"0s"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl negative", procedure: "Acquire", body: `{"resource":"r","ttl":"-5s"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl not a duration", procedure: "Acquire", body: `{"resource":"r","ttl":"ten seconds"}`, wantStatus: 400, wantCode: inv},
		{name: "ttl a number", procedure: "Acquire", body: `{"resource":"r","ttl":30}`, wantStatus: 400, wantCode: inv},
		{name: "wait negative", procedure: "Acquire", body: `{"resource":"r","wait":"-1s"}`, wantStatus: 400, wantCode: inv},
		{name: "owner over 256 bytes", procedure: "Acquire", body: jsonBody(`"resource":"r","owner":"` + long(257) + `"`), wantStatus: 400, wantCode: inv},
		{name: "payload over 64 KiB", procedure: "Acquire", body: jsonBody(`"resource":"r","data":"` + base64.StdEncoding.EncodeToString(make([]byte, 64<<10+1)) + `"`), wantStatus: 400, wantCode: inv},
		{name: "payload not base64", procedure: "Acquire", body: `{"resource":"r","data":"!!!"}`, wantStatus: 400, wantCode: inv},
		{name: "body over the size limit", procedure: "Acquire", body: jsonBody(`"resource":"r","owner":"` + long(connectsvc.DefaultReadMaxBytes) + `"`), wantStatus: 429, wantCode: "resource_exhausted"},
		{name: "malformed JSON", procedure: "Acquire", body: `{"resource":`, wantStatus: 400, wantCode: inv},
		{name: "JSON array", procedure: "Acquire", body: `[]`, wantStatus: 400, wantCode: inv},
		{name: "unknown field", procedure: "Acquire", body: `{"resource":"r","wiat":"1s"}`, wantStatus: 400, wantCode: inv},
		{name: "empty body", procedure: "Acquire", body: ``, wantStatus: 400, wantCode: inv},
		{name: "content type text/plain", procedure: "Acquire", contentType: "text/plain", body: `{"resource":"r"}`, wantStatus: 415},
		{name: "content type application/xml", procedure: "Acquire", contentType: "application/xml", body: `<resource>r</resource>`, wantStatus: 415},
		{name: "Acquire as GET", method: "GET", procedure: "Acquire", query: "encoding=json&message=" + url.QueryEscape(`{"resource":"r"}`), wantStatus: 405},
		{name: "extend without token", procedure: "Extend", body: `{"resource":"held"}`, wantStatus: 400, wantCode: inv},
		{name: "extend token too long", procedure: "Extend", body: jsonBody(`"resource":"held","leaseToken":"` + long(257) + `"`), wantStatus: 400, wantCode: inv},
		{name: "extend ttl below minimum", procedure: "Extend", body: jsonBody(`"resource":"held","leaseToken":"` + heldToken + `","ttl":"1s"`), wantStatus: 400, wantCode: inv},
		{name: "extend without resource", procedure: "Extend", body: jsonBody(`"leaseToken":"` + heldToken + `"`), wantStatus: 400, wantCode: inv},
		{name: "extend with another holder's token", procedure: "Extend", body: jsonBody(`"resource":"held","leaseToken":"` + wrongToken + `"`), wantStatus: 404, wantCode: "not_found", reachesLessor: true},
		{name: "extend a free resource", procedure: "Extend", body: jsonBody(`"resource":"free","leaseToken":"` + heldToken + `"`), wantStatus: 404, wantCode: "not_found", reachesLessor: true},
		{name: "release without token", procedure: "Release", body: `{"resource":"held"}`, wantStatus: 400, wantCode: inv},
		{name: "release with another holder's token", procedure: "Release", body: jsonBody(`"resource":"held","leaseToken":"` + wrongToken + `"`), wantStatus: 404, wantCode: "not_found", reachesLessor: true},
		{name: "release without resource", procedure: "Release", body: jsonBody(`"leaseToken":"` + heldToken + `"`), wantStatus: 400, wantCode: inv},
		{name: "info without resource", procedure: "Info", body: `{}`, wantStatus: 400, wantCode: inv},
		{name: "read resource over 1024 bytes", procedure: "Read", body: jsonBody(`"resource":"` + long(1025) + `"`), wantStatus: 400, wantCode: inv},
		{name: "info GET malformed message", method: "GET", procedure: "Info", query: "encoding=json&message=" + url.QueryEscape(`{"resource":`), wantStatus: 400, wantCode: inv},
		{name: "info GET unknown encoding", method: "GET", procedure: "Info", query: "encoding=yaml&message=x", wantStatus: 415},
		{name: "unknown method", procedure: "Steal", body: `{"resource":"held"}`, wantStatus: 404},
	}
	if len(rows) < 30 {
		t.Fatalf("only %d rows", len(rows))
	}

	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before, calls := redisState(nodes), e.spy.count()
			status, code, body := sendRaw(t, e, r)
			if status != r.wantStatus || code != r.wantCode {
				t.Errorf("got HTTP %d code %q (%s), want HTTP %d code %q", status, code, body, r.wantStatus, r.wantCode)
			}
			if after := redisState(nodes); after != before {
				t.Errorf("Redis changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			wantCalls := calls
			if r.reachesLessor {
				wantCalls++
			}
			if got := e.spy.count(); got != wantCalls {
				t.Errorf("lessor calls: got %d, want %d", got-calls, wantCalls-calls)
			}
		})
	}
	if text := logs.text(); strings.Contains(text, "panic") || strings.Contains(text, heldToken) {
		t.Errorf("logs mention a panic or the lease token:\n%s", text)
	}
	// The held lock survived every attempt on it.
	info, err := e.client(protocols[0]).Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "held"}))
	if err != nil || info.Msg.GetFencingToken() != held.Msg.GetFencingToken() {
		t.Fatalf("held lock after the table: %v, %v", info, err)
	}
}

// sendRaw sends one request as curl would and returns the HTTP status and the Connect
// error code of the body, if any.
func sendRaw(t *testing.T, e *env, r badInput) (status int, code, body string) {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	u := e.url + "/distlock.v1.LockService/" + r.procedure
	if r.query != "" {
		u += "?" + r.query
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, u, nil)
	} else {
		req, err = http.NewRequest(method, u, strings.NewReader(r.body))
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.http1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		Code string `json:"code"`
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &wire)
	}
	return resp.StatusCode, wire.Code, string(b)
}
