package connectsvc_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestRefusedRequestsAreLoggedAndCounted sends requests that connect refuses before the
// handler, and one the handler refuses, and checks that each is logged with why and the
// first kind counted by reason.
func TestRefusedRequestsAreLoggedAndCounted(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, withLogs(logs))
	rows := []struct {
		in          badInput
		reason      string // of distlock_requests_refused_total
		logIncludes string
	}{
		{badInput{procedure: "Acquire", body: `{"resource":`}, "malformed", "code=invalid_argument"},
		{badInput{procedure: "Acquire", body: `{"resource":"r","wiat":"1s"}`}, "malformed", "wiat"},
		{badInput{procedure: "Acquire", body: `{"resource":"r","owner":"` + strings.Repeat("o", connectsvc.DefaultReadMaxBytes) + `"}`}, "too_large", "code=resource_exhausted"},
		{badInput{procedure: "Acquire", contentType: "text/plain", body: `{"resource":"r"}`}, "unsupported_media_type", "content_type=text/plain"},
		{badInput{method: "GET", procedure: "Acquire", query: "encoding=json&message=%7B%7D"}, "method_not_allowed", "http_method=GET"},
		{badInput{procedure: "Steal", body: `{}`}, "not_found", "path=/distlock.v1.LockService/Steal"},
	}
	for _, r := range rows {
		sendRaw(t, e, r.in)
		line := logs.find(t, "request refused before the handler")
		if !strings.Contains(line, "reason="+r.reason) || !strings.Contains(line, r.logIncludes) {
			t.Errorf("%s %s: log line %q lacks reason=%s or %q", r.in.procedure, r.in.body, line, r.reason, r.logIncludes)
		}
	}

	// Over gRPC the code travels in the trailers.
	grpc := protocols[slices.IndexFunc(protocols, func(p protocol) bool { return p.name == "grpc" })]
	_, err := e.client(grpc).Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{
		Resource: "r", Owner: strings.Repeat("o", connectsvc.DefaultReadMaxBytes)}))
	wantCode(t, err, connect.CodeResourceExhausted)
	if line := logs.find(t, "request refused before the handler"); !strings.Contains(line, "reason=too_large") || !strings.Contains(line, "code=resource_exhausted") {
		t.Errorf("a gRPC call over the read limit: %q", line)
	}

	// A refusal by the handler is the call's own "rpc" line, which says which field and why.
	_, err = e.client(protocols[0]).Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Owner: strings.Repeat("o", 300)}))
	wantCode(t, err, connect.CodeInvalidArgument)
	if line := logs.find(t, "rpc"); !strings.Contains(line, "reason=distlock: invalid argument: owner label is 300 bytes, the limit is 256") {
		t.Errorf("the rpc line of an invalid call does not say why: %q", line)
	}
	if n := strings.Count(logs.text(), "request refused before the handler"); n != len(rows)+1 {
		t.Errorf("%d requests logged as refused before the handler, want %d", n, len(rows)+1)
	}

	body := scrape(t, e)
	for _, want := range []string{
		`distlock_requests_refused_total{reason="malformed"} 2`,
		`distlock_requests_refused_total{reason="too_large"} 2`,
		`distlock_requests_refused_total{reason="unsupported_media_type"} 1`,
		`distlock_requests_refused_total{reason="method_not_allowed"} 1`,
		`distlock_requests_refused_total{reason="not_found"} 1`,
		`distlock_requests_total{code="invalid_argument",method="Acquire"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// scrape returns the body of GET /metrics.
func scrape(t *testing.T, e *env) string {
	t.Helper()
	_, body := do(t, e.http1, mustRequest(t, "GET", e.url+"/metrics"))
	return body
}

// find returns the next line logged, from those not yet found, whose message is msg.
// A refusal is logged after its answer is written, so the line may still be coming.
func (s *logSink) find(t *testing.T, msg string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l := <-s.lines:
			if strings.HasPrefix(l, msg+" ") {
				return l
			}
		case <-timeout:
			t.Fatalf("no line %q logged; all:\n%s", msg, s.text())
		}
	}
}

// TestStreamsAreNotRefusals opens a Watch stream, which no unary interceptor sees, and
// checks that it is not logged or counted as refused before the handler.
func TestStreamsAreNotRefusals(t *testing.T) {
	logs := newLogSink()
	e := newEnv(t, nil, withLogs(logs))
	ctx, cancel := context.WithCancel(context.Background())
	events, _ := watch(t, ctx, e.client(protocols[0]), &distlockv1.WatchRequest{Resource: "r"})
	next(t, events) // the current state: the stream reached the handler
	cancel()
	for range events {
	}
	if strings.Contains(scrape(t, e), `distlock_requests_refused_total{reason="other"} 1`) ||
		strings.Contains(logs.text(), "request refused before the handler") {
		t.Errorf("a Watch stream was taken for a refusal:\n%s", logs.text())
	}
}
