package connectsvc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestErrorsMapToTheContract checks each row of the design's error table, and that
// nothing but a fixed message leaves the server for unexpected errors.
func TestErrorsMapToTheContract(t *testing.T) {
	const secret = "10.1.2.3:6379 said NOAUTH"
	cases := []struct {
		err  error
		code connect.Code
	}{
		{core.ErrAcquireTimeout, connect.CodeAborted},
		{fmt.Errorf("acquire: %w", errors.Join(core.ErrAcquireTimeout, context.DeadlineExceeded)), connect.CodeAborted},
		{core.ErrNotHeld, connect.CodeNotFound},
		{&core.UnavailableError{Failed: map[string]error{"10.1.2.3:6379": errors.New(secret)}, Quorum: 2, Total: 3}, connect.CodeUnavailable},
		{driver.Invalid("resource name is empty"), connect.CodeInvalidArgument},
		{core.ErrClosed, connect.CodeUnavailable},
		{errors.New(secret), connect.CodeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.err.Error(), func(t *testing.T) {
			logs := newLogSink()
			e := newEnv(t, nil, withLogs(logs))
			e.spy.set(func(s *spy) { s.fail = tc.err })
			c := e.client(protocols[0])
			ctx := context.Background()
			calls := map[string]func() error{
				"Acquire": func() error {
					_, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
					return err
				},
				"Extend": func() error {
					_, err := c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "r", LeaseToken: "t"}))
					return err
				},
				"Release": func() error {
					_, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "r", LeaseToken: "t"}))
					return err
				},
				"Info": func() error {
					_, err := c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
					return err
				},
				"Read": func() error {
					_, err := c.Read(ctx, connect.NewRequest(&distlockv1.ReadRequest{Resource: "r"}))
					return err
				},
			}
			for method, call := range calls {
				err := call()
				if got := connect.CodeOf(err); got != tc.code {
					t.Errorf("%s: got %v (%v), want %v", method, got, err, tc.code)
				}
				if err != nil && strings.Contains(err.Error(), "10.1.2.3") {
					t.Errorf("%s: error leaks details: %v", method, err)
				}
			}
			if tc.code == connect.CodeInternal && !strings.Contains(logs.text(), secret) {
				t.Errorf("the hidden cause of an internal error was not logged:\n%s", logs.text())
			}
		})
	}
}

// TestPanicBecomesInternal checks that a panic below the handler is answered with
// internal, logged, and leaves the server serving.
func TestPanicBecomesInternal(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			logs := newLogSink()
			e := newEnv(t, nil, withLogs(logs))
			e.spy.set(func(s *spy) { s.panicWith = "boom: 10.1.2.3" })
			c := e.client(p)
			_, err := c.Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
			wantCode(t, err, connect.CodeInternal)
			if strings.Contains(err.Error(), "boom") {
				t.Errorf("the panic value reached the client: %v", err)
			}
			if !strings.Contains(logs.text(), "panic in handler") {
				t.Errorf("the panic was not logged:\n%s", logs.text())
			}
			e.spy.set(func(s *spy) { s.panicWith = nil })
			_, err = c.Info(context.Background(), connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
			wantCode(t, err, connect.CodeNotFound)
			resp, err := e.http1.Get(e.url + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if want := `distlock_requests_total{code="internal",method="Info"} 1` + "\n"; !strings.Contains(string(body), want) {
				t.Errorf("the panicking call was not counted once as internal; metrics:\n%s", body)
			}
		})
	}
}
